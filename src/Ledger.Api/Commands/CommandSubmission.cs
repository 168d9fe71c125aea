using Confluent.Kafka;
using Ledger.Api.Access;
using Ledger.Api.Observability;
using Ledger.Api.Writer;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Contracts;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Commands;

/// <summary>
/// Takes a validated command to its user's partition writer and waits for the decision. When this
/// process's own writer owns the partition, the command is handed to it in process
/// (<see cref="WriterInbox"/>) and answered once the writer's transaction commits. Otherwise it is put
/// on ledger.commands, on its user's partition, and waited for up to the decision deadline (202 past
/// it: the command is on the log, and will be decided). Produced with an idempotent producer: a retry
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
    LocalWriters local,
    WriterInbox inbox,
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
            if (options.Value.DecideInProcess && local.Owns(partition))
            {
                var end = await HandToLocalWriter(command, partition, http, span, cancellation);
                if (end is HandOffEnd.Committed or HandOffEnd.Unknown) metrics.Handed(type);
                switch (end)
                {
                    case HandOffEnd.Committed:
                        return Answer(await decided.WaitAsync(options.Value.DecisionDeadline, cancellation));
                    case HandOffEnd.Unknown:
                        span?.SetTag("ledger.decision", "unknown");
                        return Unavailable(
                            "The partition writer's transaction failed while this command was in it: it may or may not have been applied. " +
                            "Retry with the same Idempotency-Key: a retry is decided once, or answered with the first outcome.");
                    case null:
                        span?.SetTag("ledger.decision", "undecided");
                        metrics.Undecided(type);
                        return Unavailable(
                            "The partition writer did not take the command within the decision deadline; nothing was applied. Retry with the same Idempotency-Key.");
                }
                // Not taken: the partition went to another writer meanwhile. Nothing was applied; the
                // command goes by ledger.commands, as from any edge.
            }
            await producer.ProduceAsync(new TopicPartition(kafka.CommandsTopic, partition), new Message<string, byte[]>
            {
                Key = request.UserId,
                Value = codec.Encode(command),
                Headers = new Headers().With(LedgerHeaders.CorrelationId, http.TraceIdentifier).WithTraceContext(span),
            }, cancellation);
            metrics.Received(type);
            return Answer(await decided.WaitAsync(options.Value.DecisionDeadline, cancellation));
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
            return Unavailable("The command log cannot take commands right now; nothing was applied. Retry with the same Idempotency-Key.");
        }
        finally
        {
            admission.Leave();
            outcomes.Forget(request.CommandId);
        }

        IResult Answer(CommandOutcome outcome)
        {
            CommandTracing.Decided(span, outcome);
            metrics.Decided(type, (outcome.Decision.Event as IRejection)?.Code, outcome.Replayed,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            return answers.Decided(request, outcome, http, reference);
        }

        IResult Unavailable(string detail)
        {
            http.Response.Headers.RetryAfter = "1";
            return CommandAnswers.Problem(503, "ledger_unavailable", detail);
        }
    }

    /// <summary>How the command handed to this process's writer ended; null when the writer had not taken
    /// it by the decision deadline and it was withdrawn (nothing applied). A command the writer took is
    /// waited for to its transaction's end, which the writer bounds (<see cref="WriterOptions.TransactionCallStuckAfter"/>).</summary>
    private async Task<HandOffEnd?> HandToLocalWriter(Command command, int partition, HttpContext http,
        System.Diagnostics.Activity? span, CancellationToken cancellation)
    {
        span?.SetTag("ledger.command.handed", true);
        var handed = new HandedCommand(command, partition, http.TraceIdentifier, span is null ? null : new Headers().WithTraceContext(span));
        inbox.Hand(handed);
        try
        {
            return await handed.Ended.WaitAsync(options.Value.DecisionDeadline, cancellation);
        }
        catch (TimeoutException)
        {
            if (handed.TryWithdraw()) return null;
            return await handed.Ended;
        }
        catch (OperationCanceledException)
        {
            // The caller went away. Withdrawn, nothing is applied; already taken, it is decided as
            // any command whose caller stopped waiting.
            handed.TryWithdraw();
            throw;
        }
    }
}
