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

    private static async Task<IResult> Ready(ProjectorReadiness readiness, NpgsqlDataSource database, CancellationToken cancellation)
    {
        var checks = new Dictionary<string, bool>
        {
            ["kafka"] = readiness.IsReady,
            ["postgres"] = await Answers(database, cancellation),
        };
        var ready = checks.Values.All(ok => ok);
        return TypedResults.Json(new { status = ready ? "ready" : "not_ready", checks },
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<bool> Answers(NpgsqlDataSource database, CancellationToken cancellation)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = database.CreateCommand("select 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or PostgresException or TimeoutException or OperationCanceledException
            && !cancellation.IsCancellationRequested)
        {
            return false;
        }
    }
}
