using Ledger.Api.Accounts;
using Ledger.Api.Commands;
using Ledger.Api.Hosting;
using Ledger.Api.ReadModel;
using Ledger.Api.Statistics;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapMoneyMovements();
app.MapAccounts();
app.MapEntries();
app.MapOrders();
app.MapDailyStatistics();
app.MapProjectionLag();
app.MapCommands();
app.MapHealth();
app.Run();

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
