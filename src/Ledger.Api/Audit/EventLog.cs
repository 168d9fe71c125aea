using Ledger.Domain;
using Ledger.Domain.Transfers;
using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.Api.Audit;

/// <summary>ledger.events as Kafka holds it (the source of truth), read to its end: what the event
/// store is compared with, and where the decisions of commands are looked up.</summary>
internal sealed class EventLog
{
    public required KafkaLog.Extent[] Extents { get; init; }

    /// <summary>Per partition, the decision recorded at each offset.</summary>
    public required Dictionary<long, LoggedEvent>[] ByOffset { get; init; }

    /// <summary>Records that are not events (partition, offset, why): a bug upstream.</summary>
    public required List<string> Undecodable { get; init; }

    public HashSet<Guid> CommandIds { get; } = new();
    public HashSet<(string UserId, string IdempotencyKey)> Requests { get; } = new();

    public static EventLog Read(string bootstrapServers, KafkaOptions kafka, EventCodec codec, TimeSpan stallTimeout,
        CancellationToken cancellation)
    {
        var byOffset = Enumerable.Range(0, kafka.Partitions).Select(_ => new Dictionary<long, LoggedEvent>()).ToArray();
        var undecodable = new List<string>();
        var extents = KafkaLog.Read(bootstrapServers, kafka.EventsTopic, kafka.Partitions, endsExclusive: null, stallTimeout, record =>
        {
            try
            {
                var @event = codec.Decode(record.Message.Value).Event;
                byOffset[record.Partition.Value][record.Offset.Value] = new LoggedEvent(@event.Request.CommandId,
                    @event.Request.UserId, @event.Request.IdempotencyKey, @event.GetType().Name, TransferStep.Of(@event));
            }
            catch (MalformedMessage error)
            {
                undecodable.Add($"{kafka.EventsTopic}/{record.Partition.Value}/{record.Offset.Value}: {error.Message}");
            }
        }, cancellation);
        var log = new EventLog { Extents = extents, ByOffset = byOffset, Undecodable = undecodable };
        foreach (var logged in byOffset.SelectMany(p => p.Values))
        {
            log.CommandIds.Add(logged.CommandId);
            log.Requests.Add((logged.UserId, logged.IdempotencyKey));
        }
        return log;
    }
}

internal sealed record LoggedEvent(Guid CommandId, string UserId, string IdempotencyKey, string Type, TransferStep? Transfer);

/// <summary>A step of a transfer's saga as logged: which transfer (the sender and the sender's id), and
/// the details every step of it must repeat exactly.</summary>
internal sealed record TransferStep(string FromUserId, string TransferId, string ToUserId, string Asset, long Amount)
{
    public static TransferStep? Of(LedgerEvent @event) => @event switch
    {
        TransferDebited e => new(e.FromUserId, e.TransferId, e.ToUserId, e.Asset, e.Amount),
        TransferCredited e => new(e.FromUserId, e.TransferId, e.ToUserId, e.Asset, e.Amount),
        TransferCreditRejected e => new(e.FromUserId, e.TransferId, e.ToUserId, e.Asset, e.Amount),
        TransferRefunded e => new(e.FromUserId, e.TransferId, e.ToUserId, e.Asset, e.Amount),
        _ => null,
    };

    public override string ToString() => $"transfer {TransferId} of {FromUserId} to {ToUserId}, {Amount} {Asset}";
}
