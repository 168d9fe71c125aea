using Ledger.Domain.Accounts;
using Ledger.Contracts;

namespace Ledger.Projector.Projection;

/// <summary>One record of ledger.events, decoded, with where it came from. Sequence is its place in
/// the event store, known once the batch has reserved its sequences (0 before).</summary>
public sealed record ProjectedEvent(int Partition, long Offset, EventMessage Message, byte[] Body)
{
    public long Sequence { get; init; }

    /// <summary>The event's postings, made once: every projection reads them, and each read of the
    /// event's own list makes a new one.</summary>
    public IReadOnlyList<Posting> Postings { get; } = Message.Event.Postings;

    /// <summary>The UTC day the event belongs to in the daily statistics.</summary>
    public DateOnly Day => DateOnly.FromDateTime(Message.Event.At.UtcDateTime);
}
