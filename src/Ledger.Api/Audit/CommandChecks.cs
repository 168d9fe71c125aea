using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.Api.Audit;

/// <summary>
/// Every command a writer has reached on ledger.commands was handled: decided (its decision is on
/// ledger.events), a repeat of a request already decided (answered on ledger.replies with the first
/// outcome), or undecodable and on ledger.dead-letter with its reason.
/// How far the writers have reached, per partition: the writers' committed offset, or further, the
/// highest command whose own decision is on ledger.events (or that was dead-lettered), since a writer
/// decides its partition's commands in order. The second is what works on librdkafka's mock cluster,
/// which answers a transaction's offset commit without storing it. Commands past that point are in
/// flight, not missing. A command handed to its writer in process is on no topic and so not checked
/// here: its caller is answered only after its event commits (docs/adr/0002-in-process-hand-off.md).
/// </summary>
internal static class CommandChecks
{
    /// <summary>The header a dead letter names its source record with: topic/partition/offset.</summary>
    public const string DeadLetterSourceHeader = "ledger-source";

    /// <param name="Found">Where the commands asked for by id (the saga steps still to be decided) are on ledger.commands.</param>
    public sealed record Coverage(long[] HeldFrom, long[] ReachedUpTo, IReadOnlyDictionary<Guid, (int Partition, long Offset)> Found);

    /// <summary>The sources (topic/partition/offset) of the records on the dead-letter topic. Read before
    /// ledger.events: a dead letter proves its writer decided everything before it, so those decisions
    /// must be on the events read afterwards.</summary>
    public static HashSet<string> DeadLettered(string bootstrapServers, KafkaOptions kafka, AuditOptions options, CancellationToken cancellation)
    {
        var sources = new HashSet<string>();
        KafkaLog.Read(bootstrapServers, kafka.DeadLetterTopic, kafka.Partitions, endsExclusive: null, options.KafkaStallTimeout,
            record =>
            {
                if (record.Message.Headers.Find(DeadLetterSourceHeader) is { } source) sources.Add(source);
            }, cancellation);
        return sources;
    }

    public static (AuditCheck Check, Coverage Coverage) AcceptedCommandsDecided(string bootstrapServers, KafkaOptions kafka, CommandCodec codec,
        EventLog log, IReadOnlyDictionary<int, long> committed, HashSet<string> deadLettered, IReadOnlySet<Guid> find,
        AuditOptions options, CancellationToken cancellation)
    {
        var findings = new CheckFindings("accepted_commands_decided",
            "every command the writers have reached is decided, repeats a decided request, or is on the dead-letter topic",
            options.ExamplesMax);

        var reached = Enumerable.Range(0, kafka.Partitions).Select(p => committed.GetValueOrDefault(p)).ToArray();
        var unhandled = Enumerable.Range(0, kafka.Partitions).Select(_ => new List<(long Offset, string What)>()).ToArray();
        var seenCommands = new HashSet<Guid>();
        var found = new Dictionary<Guid, (int, long)>();
        var extents = KafkaLog.Read(bootstrapServers, kafka.CommandsTopic, kafka.Partitions, endsExclusive: null, options.KafkaStallTimeout, record =>
        {
            var (partition, offset) = (record.Partition.Value, record.Offset.Value);
            var source = $"{record.Topic}/{partition}/{offset}";
            if (deadLettered.Contains(source))
            {
                reached[partition] = Math.Max(reached[partition], offset + 1);
                return;
            }
            try
            {
                var request = codec.Decode(record.Message.Value).Request;
                var firstCopy = seenCommands.Add(request.CommandId);
                if (firstCopy && find.Contains(request.CommandId)) found[request.CommandId] = (partition, offset);
                if (log.CommandIds.Contains(request.CommandId))
                {
                    // Only the first copy of a command proves the writer got here: a later copy may still be waiting.
                    if (firstCopy) reached[partition] = Math.Max(reached[partition], offset + 1);
                    return;
                }
                if (log.Requests.Contains((request.UserId, request.IdempotencyKey))) return;
                unhandled[partition].Add((offset, $"{source}: command {request.CommandId} of {request.UserId} (key {request.IdempotencyKey}) has no decision"));
            }
            catch (MalformedMessage error)
            {
                unhandled[partition].Add((offset, $"{source}: undecodable ({error.Message}) and not on {kafka.DeadLetterTopic}"));
            }
        }, cancellation);

        for (var partition = 0; partition < kafka.Partitions; partition++)
        {
            findings.Checked += Math.Max(0, reached[partition] - extents[partition].Start);
            foreach (var (offset, what) in unhandled[partition].Where(u => u.Offset < reached[partition])) findings.Differ(what);
        }
        // Commands the broker deleted (ledger.commands need not be kept forever) cannot be checked: the
        // coverage says from which offset each partition was.
        return (findings.Result(), new Coverage([.. extents.Select(e => e.Start)], reached, found));
    }
}
