using Ledger.Baseline;
using Npgsql;

// The lock-based baseline: Ledger.Api's command contract on PostgreSQL alone, one transaction with
// row locks per command. Only for `./ledger bench`. Configuration (environment):
//   Baseline__ConnectionString  Npgsql connection string of a database this process may create tables in
//   Baseline__SynchronousCommit "off" (default: the local Kafka keeps commands in memory, so the
//                               baseline is not made to wait for a disk either) or "on"
var builder = WebApplication.CreateSlimBuilder(args);
var connectionString = builder.Configuration["Baseline:ConnectionString"]
    ?? throw new InvalidOperationException("Baseline:ConnectionString is required");
var synchronousCommit = builder.Configuration["Baseline:SynchronousCommit"] ?? "off";
if (synchronousCommit is not ("on" or "off")) throw new InvalidOperationException("Baseline:SynchronousCommit must be on or off");

var source = new NpgsqlDataSourceBuilder(connectionString);
source.ConnectionStringBuilder.MaxPoolSize = PoolSize.ConnectionsMax;
source.ConnectionStringBuilder.MaxAutoPrepare = PoolSize.PreparedStatementsMax;
source.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
source.ConnectionStringBuilder.NoResetOnClose = true;
source.ConnectionStringBuilder.Options = $"-c synchronous_commit={synchronousCommit}";
var database = source.Build();
await BaselineSchema.Create(database);
builder.Services.AddSingleton(database).AddSingleton<LockingLedger>();
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
BaselineApi.Map(app);
app.Run();

internal static class PoolSize
{
    /// <summary>Connections at most: more than the cores (commands wait on locks and round trips, not
    /// on the CPU), few enough that PostgreSQL on two cores is not swamped by backends.</summary>
    public const int ConnectionsMax = 64;

    /// <summary>Statements kept prepared per connection: every statement the baseline sends.</summary>
    public const int PreparedStatementsMax = 32;
}
