using Ledger.Api.Accounts;
using Ledger.Api.Commands;
using Ledger.Api.Dashboard;
using Ledger.Api.Hosting;
using Ledger.Api.Observability;
using Ledger.Api.Orders;
using Ledger.Api.ReadModel;
using Ledger.Api.Statistics;
using Ledger.Api.Transfers;
using Ledger.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpObservability();
app.UseAuthentication();
app.UseAuthorization();
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
app.Run();

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
