namespace Ledger.Api.Audit;

/// <summary>What the audit found: ok only when every check is. Serialised as the answer of GET /v1/audit.</summary>
public sealed record AuditReport(bool Ok, AuditAsOf AsOf, AuditCoverage Covers, IReadOnlyList<AuditCheck> Checks);

/// <summary>When the audit's PostgreSQL snapshot was taken, and the newest event sequence in it.</summary>
public sealed record AuditAsOf(DateTimeOffset SnapshotTime, long? EventSequence);

/// <summary>The offsets the audit covers, per partition: the event store up to the projector's next
/// offset (stored with its rows; null when it has projected nothing there), ledger.events from the
/// first offset the broker holds to its end when it was read, and ledger.commands from the first
/// offset held up to the writers' committed offset.</summary>
public sealed record AuditCoverage(IReadOnlyList<PartitionCoverage> Partitions);

public sealed record PartitionCoverage(int Partition, long? ProjectedUpTo, long EventsFrom, long EventsEnd,
    long CommandsFrom, long CommandsReachedUpTo);

/// <summary>One check: how many things it looked at, how many differ, and the first few that do
/// (bounded, so a broken ledger cannot make the answer huge).</summary>
public sealed record AuditCheck(string Name, bool Ok, string Description, long Checked, long Differences, IReadOnlyList<string> Examples);

/// <summary>Collects one check's differences, keeping only the first <see cref="AuditOptions.ExamplesMax"/>.</summary>
internal sealed class CheckFindings(string name, string description, int examplesMax)
{
    private readonly List<string> _examples = new();

    public long Checked { get; set; }
    public long Differences { get; private set; }

    public void Differ(string what)
    {
        Differences++;
        if (_examples.Count < examplesMax) _examples.Add(what);
    }

    /// <summary>Counts differences found in bulk, of which only some are spelled out.</summary>
    public void Differ(long count, IEnumerable<string> examples)
    {
        Differences += count;
        foreach (var example in examples)
            if (_examples.Count < examplesMax) _examples.Add(example);
    }

    public AuditCheck Result() => new(name, Differences == 0, description, Checked, Differences, _examples);
}
