using Ledger.Api.Accounts;
using Ledger.Api.Audit;
using Ledger.Api.Commands;
using Ledger.Api.Dashboard;
using Ledger.Api.Hosting;
using Ledger.Api.Observability;
using Ledger.Api.Orders;
using Ledger.Api.ReadModel;
using Ledger.Api.Statistics;
using Ledger.Api.Transfers;
using Ledger.Observability;

if (args is ["audit", ..]) return await AuditMode.Run(args[1..]);

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpObservability();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapMoneyMovements();
app.MapOrders();
app.MapTransfers();
app.MapAccounts();
app.MapEntries();
app.MapAccountOrders();
app.MapDailyStatistics();
app.MapProjectionLag();
app.MapCommands();
app.MapHealth();
app.MapMetrics();
app.MapDashboard();
app.MapAudit();
app.Run();
return Environment.ExitCode; // non-zero when a writer stopped the process to protect money

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
