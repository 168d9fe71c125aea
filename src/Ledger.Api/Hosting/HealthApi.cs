using Ledger.Api.Commands;
using Ledger.Api.Writer;
using Npgsql;

using Ledger.Hosting;

namespace Ledger.Api.Hosting;

/// <summary>/health/live: the process answers. /health/ready: Kafka, PostgreSQL and (when this
/// instance hosts writers) partition recovery are ready.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health/live", () => TypedResults.Ok(new LiveAnswer("live"))).WithName("live").WithTags("Health")
            .WithSummary("Liveness").WithDescription("200 while the process answers.");
        routes.MapGet("/health/ready", Ready).WithName("ready").WithTags("Health")
            .WithSummary("Readiness").WithDescription("200 once Kafka, PostgreSQL and partition recovery are ready; else 503 naming the failing check.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status503ServiceUnavailable, contentType: "application/json");
        return routes;
    }

    /// <summary>/health/live's answer: {"status":"live"}.</summary>
    public sealed record LiveAnswer(string Status);

    private static async Task<IResult> Ready(CommandOutcomes outcomes, WriterOptions writer, WriterReadiness writers,
        NpgsqlDataSource readModel, CancellationToken cancellation)
    {
        var checks = new Dictionary<string, bool>
        {
            ["kafka"] = outcomes.IsListening,
            ["writers"] = !writer.Enabled || writers.IsReady,
            // The events table exists once the projector (the schema's owner) has migrated.
            ["postgres"] = await Readiness.PostgresAnswers(readModel, "select 1 from events limit 1", cancellation),
        };
        return Readiness.Answer(checks);
    }
}
