using Ledger.Kafka;

namespace Ledger.Api.Writer;

/// <summary>
/// Which partitions this process's writer owns right now, and how far behind each is: shared by the
/// writer (which updates it when it takes or gives up a partition and when it samples its lag) and the
/// edge (which reads it for backpressure and to know that a decision will be answered in process).
/// Empty on an edge without writers.
/// </summary>
public sealed class LocalWriters(KafkaOptions kafka)
{
    public const long Unknown = -1;

    private readonly bool[] _owned = new bool[kafka.Partitions];
    private readonly long[] _lag = new long[kafka.Partitions];
    private readonly ResumePoint?[] _released = new ResumePoint?[kafka.Partitions];
    private int _version;

    /// <summary>Where a reader of ledger.events and ledger.replies picks a partition up again once this
    /// process's writer stopped answering for it: nothing after these offsets was answered in process.</summary>
    public sealed record ResumePoint(long Events, long Replies);

    /// <summary>Changes whenever a partition is taken or released.</summary>
    public int Version => Volatile.Read(ref _version);

    public bool Owns(int partition) => Volatile.Read(ref _owned[partition]);

    /// <summary>Commands on the partition not yet decided, as of the writer's last sample of its
    /// consumer lag; <see cref="Unknown"/> when this process does not own it.</summary>
    public long Lag(int partition) => Owns(partition) ? Volatile.Read(ref _lag[partition]) : Unknown;

    public void Took(int partition)
    {
        _released[partition] = null;
        Volatile.Write(ref _lag[partition], 0);
        Volatile.Write(ref _owned[partition], true);
        Interlocked.Increment(ref _version);
    }

    public void Sampled(int partition, long lag) => Volatile.Write(ref _lag[partition], lag);

    public void Released(int partition, ResumePoint resume)
    {
        _released[partition] = resume;
        Volatile.Write(ref _owned[partition], false);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Set once the partition was released, until it is taken again.</summary>
    public ResumePoint? ReleasedAt(int partition) => _released[partition];
}
