using Ledger.Observability;
using Ledger.Projector.Hosting;
using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerProjector();

var app = builder.Build();
await SchemaMigrator.ApplyWhenReachable(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Logger, app.Lifetime.ApplicationStopping);

app.MapHealth();
app.MapMetrics();
app.Run();
