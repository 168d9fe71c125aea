using Ledger.Api.Accounts;
using Ledger.Api.Commands;
using Ledger.Api.Hosting;
using Ledger.Api.Orders;
using Ledger.Api.Transfers;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapMoneyMovements();
app.MapOrders();
app.MapTransfers();
app.MapAccounts();
app.MapCommands();
app.MapHealth();
app.Run();

/// <summary>Visible to tests that host the Api in-process.</summary>
public partial class Program;
