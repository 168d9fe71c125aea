using Ledger.Hosting;
using Ledger.Observability;
using Ledger.Projector.Hosting;
using Ledger.Projector.Projection;
using Ledger.Projector.Rebuild;
using Ledger.Projector.Schema;
using Npgsql;

if (args is ["rebuild", ..]) return await RebuildMode.Run(args[1..]);

var builder = WebApplication.CreateBuilder(HostArguments.With(args));
builder.AddLedgerProjector();

var app = builder.Build();
await SchemaMigrator.ApplyWhenReachable(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Logger, app.Lifetime.ApplicationStopping);

app.MapHealth();
app.MapMetrics();
app.Run();
return Environment.ExitCode; // non-zero when the projector stopped the process to protect the read models
