using Ledger.Hosting;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.Projector.Hosting;

/// <summary>/health/live: the process answers. /health/ready: this projector has joined its group and
/// knows where to start (Kafka), and PostgreSQL answers now.</summary>
public static class ProjectorHealth
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
        routes.MapGet("/health/ready", Ready);
        return routes;
    }

    private static async Task<IResult> Ready(ProjectorReadiness readiness, NpgsqlDataSource database, CancellationToken cancellation) =>
        Readiness.Answer(new Dictionary<string, bool>
        {
            ["kafka"] = readiness.IsReady,
            ["postgres"] = await Readiness.PostgresAnswers(database, "select 1", cancellation),
        });
}
