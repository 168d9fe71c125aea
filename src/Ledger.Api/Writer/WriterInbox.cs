using System.Collections.Concurrent;
using Confluent.Kafka;
using Ledger.Domain;

namespace Ledger.Api.Writer;

/// <summary>How a command handed to this process's writer ended.</summary>
public enum HandOffEnd
{
    /// <summary>Decided, and its transaction committed: its outcome is with <see cref="Commands.CommandOutcomes"/>.</summary>
    Committed,

    /// <summary>Not decided here (the writer no longer owns its partition, or stopped before it took the
    /// command): nothing was applied, and the edge puts it on ledger.commands instead.</summary>
    NotTaken,

    /// <summary>Decided into a transaction that failed: whether it committed is not known. Only a retry
    /// with the same idempotency key can tell (it is decided once, or answered with the first outcome).</summary>
    Unknown,
}

/// <summary>
/// A command the edge hands straight to the writer of this process that owns its partition, instead of
/// producing it onto ledger.commands for that same writer to fetch back: no produce, no fetch, no broker
/// round trip before the decision. Its decision is on ledger.events (the event carries its request and
/// fingerprint) in the writer's transaction; the command itself is on no topic. Taken by the writer or
/// withdrawn by the edge, never both.
/// </summary>
public sealed class HandedCommand(Command command, int partition, string correlationId, Headers? trace)
{
    private const int Waiting = 0, Taken = 1, Withdrawn = 2;
    private int _state;
    private readonly TaskCompletionSource<HandOffEnd> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Command Command { get; } = command;
    public int Partition { get; } = partition;
    public string CorrelationId { get; } = correlationId;

    /// <summary>The edge's trace context headers, when it traced the request; null otherwise.</summary>
    public Headers? Trace { get; } = trace;

    public Task<HandOffEnd> Ended => _end.Task;

    /// <summary>The edge gives up waiting: true when the writer had not taken it (then nothing was applied, ever).</summary>
    public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Waiting) == Waiting;

    internal bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

    internal void End(HandOffEnd end) => _end.TrySetResult(end);
}

/// <summary>
/// The commands this process's edge hands its own writer (<see cref="HandedCommand"/>), in arrival
/// order. Unbounded here: the edge admits at most <see cref="Commands.CommandOptions.InFlightMax"/>
/// commands at a time. The writer waits on it between looks at ledger.commands, and a hand wakes it.
/// </summary>
public sealed class WriterInbox
{
    private readonly ConcurrentQueue<HandedCommand> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private int _writerWaiting;

    public void Hand(HandedCommand command)
    {
        _queue.Enqueue(command);
        if (Interlocked.Exchange(ref _writerWaiting, 0) == 1) _wake.Set();
    }

    /// <summary>Moves waiting commands into <paramref name="into"/> until it holds <paramref name="countMax"/>;
    /// commands the edge withdrew are dropped.</summary>
    internal void TakeInto(List<HandedCommand> into, int countMax)
    {
        while (into.Count < countMax && _queue.TryDequeue(out var command))
            if (command.TryTake()) into.Add(command);
    }

    /// <summary>Waits until a command is handed, at most <paramref name="wait"/> (the writer's thread only).</summary>
    internal void WaitForCommands(TimeSpan wait)
    {
        // A full fence (not a release write): the flag must be visible before the queue is looked at,
        // or a hand between the two would neither be seen nor wake the writer.
        Interlocked.Exchange(ref _writerWaiting, 1);
        if (_queue.IsEmpty) _wake.Wait(wait);
        Volatile.Write(ref _writerWaiting, 0);
        _wake.Reset();
    }

    /// <summary>Ends every waiting command as not taken: the writer stopped, and the edge sends them by Kafka.</summary>
    internal void RefuseWaiting()
    {
        while (_queue.TryDequeue(out var command))
            if (command.TryTake()) command.End(HandOffEnd.NotTaken);
    }
}
