using Ledger.Kafka;

namespace Ledger.Api.Writer;

/// <summary>
/// Which partitions this process's writer owns right now, and how far each has decided: shared by
/// the writer (which updates it after each commit) and the edge (which reads it for backpressure and
/// to know that a decision will be answered in process). Empty on an edge without writers.
/// </summary>
public sealed class LocalWriters(KafkaOptions kafka)
{
    public const long Unknown = -1;

    private readonly long[] _next = Enumerable.Repeat(Unknown, kafka.Partitions).ToArray();
    private readonly long[] _lag = new long[kafka.Partitions];
    private readonly ResumePoint?[] _released = new ResumePoint?[kafka.Partitions];
    private int _version;

    /// <summary>Where a reader of ledger.events and ledger.replies picks a partition up again once this
    /// process's writer stopped answering for it: nothing after these offsets was answered in process.</summary>
    public sealed record ResumePoint(long Events, long Replies);

    /// <summary>Changes whenever a partition is taken or released.</summary>
    public int Version => Volatile.Read(ref _version);

    public bool Owns(int partition) => Volatile.Read(ref _next[partition]) != Unknown;

    /// <summary>The next offset of ledger.commands the writer will decide, or <see cref="Unknown"/>.</summary>
    public long NextCommand(int partition) => Volatile.Read(ref _next[partition]);

    /// <summary>Commands on the partition not yet decided, as of the writer's last sample of its
    /// consumer lag; <see cref="Unknown"/> when this process does not own it.</summary>
    public long Lag(int partition) => Owns(partition) ? Volatile.Read(ref _lag[partition]) : Unknown;

    public void Took(int partition, long nextCommand)
    {
        _released[partition] = null;
        Volatile.Write(ref _lag[partition], 0);
        Volatile.Write(ref _next[partition], nextCommand);
        Interlocked.Increment(ref _version);
    }

    public void Decided(int partition, long nextCommand) => Volatile.Write(ref _next[partition], nextCommand);

    public void Sampled(int partition, long lag) => Volatile.Write(ref _lag[partition], lag);

    public void Released(int partition, ResumePoint resume)
    {
        _released[partition] = resume;
        Volatile.Write(ref _next[partition], Unknown);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Set once the partition was released, until it is taken again.</summary>
    public ResumePoint? ReleasedAt(int partition) => _released[partition];
}
