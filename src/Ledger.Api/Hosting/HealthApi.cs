using Ledger.Api.Commands;
using Ledger.Api.Writer;
using Npgsql;

namespace Ledger.Api.Hosting;

/// <summary>/health/live: the process answers. /health/ready: Kafka, PostgreSQL and (when this
/// instance hosts writers) partition recovery are ready.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" })).WithTags("Health");
        routes.MapGet("/health/ready", Ready).WithTags("Health");
        return routes;
    }

    private static async Task<IResult> Ready(CommandOutcomes outcomes, WriterOptions writer, WriterReadiness writers,
        NpgsqlDataSource readModel, CancellationToken cancellation)
    {
        var checks = new Dictionary<string, bool>
        {
            ["kafka"] = outcomes.IsListening,
            ["writers"] = !writer.Enabled || writers.IsReady,
            ["postgres"] = await ReadModelAnswers(readModel, cancellation),
        };
        var ready = checks.Values.All(ok => ok);
        return TypedResults.Json(new { status = ready ? "ready" : "not_ready", checks },
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<bool> ReadModelAnswers(NpgsqlDataSource readModel, CancellationToken cancellation)
    {
        try
        {
            await using var command = readModel.CreateCommand("select 1 from events limit 1");
            await command.ExecuteScalarAsync(cancellation);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or PostgresException or TimeoutException)
        {
            return false;
        }
    }
}
