using Confluent.Kafka;
using Ledger.Api.Access;
using Ledger.Api.Observability;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Contracts;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Commands;

/// <summary>
/// Puts a validated command on ledger.commands, on its user's partition, and waits (up to the
/// decision deadline) for the writer's decision. Produced with an idempotent producer: a retry
/// inside the client never duplicates a record, and a repeat by the caller is caught by its key.
/// </summary>
public sealed class CommandSubmission(
    KafkaOptions kafka,
    IProducer<string, byte[]> producer,
    CommandOutcomes outcomes,
    CommandCodec codec,
    CommandAnswers answers,
    IOptions<CommandOptions> options,
    CommandAdmission admission,
    ApiMetrics metrics,
    ILogger<CommandSubmission> log)
{
    public async Task<IResult> Submit(Command command, HttpContext http, CancellationToken cancellation,
        (string Name, string Value)? reference = null)
    {
        var request = command.Request;
        if (AccountAccess.Refusal(http.User, request.UserId) is { } refusal) return refusal;
        var partition = UserPartitioner.PartitionOf(request.UserId, kafka.Partitions);
        if (admission.Enter(partition, http) is { } overloaded) return overloaded;
        var decided = outcomes.Expect(request.CommandId);
        var type = command.GetType().Name;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var span = CommandTracing.StartSend(command, kafka.CommandsTopic, partition, http.TraceIdentifier);
        try
        {
            await producer.ProduceAsync(new TopicPartition(kafka.CommandsTopic, partition), new Message<string, byte[]>
            {
                Key = request.UserId,
                Value = codec.Encode(command),
                Headers = new Headers().With(LedgerHeaders.CorrelationId, http.TraceIdentifier).WithTraceContext(span),
            }, cancellation);
            metrics.Received(type);
            var outcome = await decided.WaitAsync(options.Value.DecisionDeadline, cancellation);
            CommandTracing.Decided(span, outcome);
            metrics.Decided(type, (outcome.Decision.Event as IRejection)?.Code, outcome.Replayed,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            return answers.Decided(request, outcome, http, reference);
        }
        catch (TimeoutException)
        {
            span?.SetTag("ledger.decision", "undecided");
            metrics.Undecided(type);
            return CommandAnswers.Pending(request.CommandId);
        }
        catch (ProduceException<string, byte[]> error)
        {
            log.LogWarning("Command {CommandId} not taken: Kafka said {Reason}", request.CommandId, error.Error.Reason);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Error.Reason);
            http.Response.Headers.RetryAfter = "1";
            return CommandAnswers.Problem(503, "ledger_unavailable", "The command log cannot take commands right now; nothing was applied. Retry with the same Idempotency-Key.");
        }
        finally
        {
            admission.Leave();
            outcomes.Forget(request.CommandId);
        }
    }
}
