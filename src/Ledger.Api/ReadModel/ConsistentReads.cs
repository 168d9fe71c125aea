using Ledger.Api.Commands;
using Ledger.Kafka;

namespace Ledger.Api.ReadModel;

/// <summary>
/// Read-your-writes for the read endpoints: a read that sends the <see cref="ConsistencyToken.Header"/>
/// a command answered waits (bounded) until the read models are projected past it, then reads, and says
/// in <see cref="ConsistencyToken.ReachedHeader"/> whether they were. A token that is not one of ours is
/// a 400; a read without one does not wait.
/// </summary>
public static class ConsistentReads
{
    /// <summary>Marks the endpoint for the API document (the header it reads and the one it answers).</summary>
    public sealed class Metadata;

    public static RouteHandlerBuilder WaitsForConsistencyToken(this RouteHandlerBuilder endpoint) => endpoint
        .WithMetadata(new Metadata())
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var sent = http.Request.Headers[ConsistencyToken.Header];
            if (sent.Count == 0) return await next(context);
            var partitions = http.RequestServices.GetRequiredService<KafkaOptions>().Partitions;
            if (sent.Count > 1 || !ConsistencyToken.TryParse(sent[0], partitions, out var token))
                return CommandAnswers.Problem(400, "invalid_consistency_token",
                    $"{ConsistencyToken.Header} must be one token, exactly as a command's answer gave it.");
            var reached = await http.RequestServices.GetRequiredService<ProjectedPositions>().WaitPast(token, http.RequestAborted);
            http.Response.Headers[ConsistencyToken.ReachedHeader] = reached ? "true" : "false";
            return await next(context);
        });
}
