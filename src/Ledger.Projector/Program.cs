using Ledger.Projector.Hosting;
using Ledger.Projector.Projection;
using Ledger.Projector.Rebuild;
using Ledger.Projector.Schema;
using Npgsql;

if (args is ["rebuild", ..]) return await RebuildMode.Run(args[1..]);

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerProjector();

var app = builder.Build();
await SchemaMigrator.ApplyWhenReachable(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Logger, app.Lifetime.ApplicationStopping);

app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
app.MapGet("/health/ready", (ProjectorReadiness readiness) => readiness.IsReady
    ? Results.Ok(new { status = "ready" })
    : Results.Json(new { status = "not_ready" }, statusCode: StatusCodes.Status503ServiceUnavailable));
app.Run();
return 0;
