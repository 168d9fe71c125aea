using Ledger.Baseline;
using Npgsql;

// The lock-based baseline: Ledger.Api's command contract on PostgreSQL alone, one transaction with
// row locks per command. Only for `./ledger bench`. Configuration (environment):
//   Baseline__ConnectionString   Npgsql connection string of a database this process may create tables in;
//                                pooling, Max Auto Prepare and synchronous_commit are set there by the caller.
var builder = WebApplication.CreateSlimBuilder(args);
var connectionString = builder.Configuration["Baseline:ConnectionString"]
    ?? throw new InvalidOperationException("Baseline:ConnectionString is required");
var database = NpgsqlDataSource.Create(connectionString);
await BaselineSchema.Create(database);
builder.Services.AddSingleton(database).AddSingleton<LockingLedger>();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
BaselineApi.Map(app);
app.Run();
