using System.Diagnostics;
using System.Security.Cryptography;
using Confluent.Kafka;
using Ledger.Api.Commands;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Api.Writer.Snapshots;

namespace Ledger.Api.Writer;

/// <summary>
/// The single writer of one partition: its users' state, rebuilt from the partition's log, and the
/// decisions of its commands, in log order. It holds no thread and no producer of its own: the
/// group member's one writer thread calls it, and what it decides goes into the member's current
/// transaction (<see cref="WriterBatch"/>). Only that thread touches the state, so balances need no lock.
/// </summary>
internal sealed class PartitionWriter
{
    private readonly int _partition;
    private readonly WriterContext _context;
    private readonly LedgerState _state;

    private PartitionWriter(int partition, WriterContext context, Recovery recovery)
    {
        UnsureFollowUps = recovery.UnsureFollowUps;
        _partition = partition;
        _context = context;
        _state = recovery.State;
        _delivered = new DeliveredEvents(recovery.LastEvent);
        _eventsAtLastSnapshot = recovery.EventsAtSnapshot;
        NextCommand = recovery.NextCommand;
    }

    public int Partition => _partition;

    /// <summary>Saga steps called for by the partition's last transaction, which may have been cut short
    /// (see <see cref="WriterBatch.SendFollowUp"/>): sent again, and delivered, before this writer decides.</summary>
    public IReadOnlyList<(Command FollowUp, string CorrelationId)> UnsureFollowUps { get; }

    /// <summary>The offset of ledger.commands this writer decides next: one past the last command any
    /// writer of this partition decided, as its own records say (not the group's committed offset,
    /// which a broker may not keep: librdkafka's mock cluster drops transactional offset commits).</summary>
    public long NextCommand { get; private set; }

    /// <summary>Rebuilds the state from ledger.events (from its snapshot on, when it has a usable one)
    /// and finds where in ledger.commands deciding goes on.</summary>
    public static PartitionWriter Recover(int partition, WriterContext context, long committed, CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        var recovery = RecoverState(partition, context, cancellation);
        // Every decided command left an event, a reply or a dead letter naming it.
        long[] candidates = [committed, recovery.NextCommand,
            NextAfterTail(context, context.Kafka.RepliesTopic, partition, cancellation),
            NextAfterTail(context, context.Kafka.DeadLetterTopic, partition, cancellation)];
        var nextCommand = candidates.Max();
        recovery = recovery with { NextCommand = nextCommand };
        var state = recovery.State;
        context.Metrics.Recovered(partition, started.Elapsed.TotalSeconds);
        context.Log.LogInformation(
            "Partition {Partition}: recovered {Events} events, {Accounts} accounts in {Ms} ms ({Source}, then {Replayed} events replayed); deciding from command offset {Next}",
            partition, state.EventsApplied, state.AccountCount, started.ElapsedMilliseconds,
            recovery.EventsAtSnapshot > 0 ? $"from the snapshot of {recovery.EventsAtSnapshot} events" : "no snapshot",
            state.EventsApplied - recovery.EventsAtSnapshot, nextCommand);
        var writer = new PartitionWriter(partition, context, recovery);
        writer.SnapshotWhenDue();
        return writer;
    }

    private static long NextAfterTail(WriterContext context, string topic, int partition, CancellationToken cancellation) =>
        PartitionTail.LargestHeaderValue(context.BootstrapServers, new TopicPartition(topic, partition), LedgerHeaders.CommandOffset,
            context.Options.RecoveryStallTimeout, cancellation) is { } offset ? offset + 1 : 0;

    /// <summary>A recovered state, the last event it includes (null for an empty log), how many events
    /// the snapshot it started from held (0 without one), and the next command its events call for.</summary>
    private sealed record Recovery(LedgerState State, LastEvent? LastEvent, long EventsAtSnapshot, long NextCommand,
        IReadOnlyList<(Command FollowUp, string CorrelationId)> UnsureFollowUps);

    private static Recovery RecoverState(int partition, WriterContext context, CancellationToken cancellation)
    {
        if (context.Snapshots is { } snapshots)
        {
            try
            {
                if (snapshots.Load(partition) is { } snapshot)
                {
                    LedgerState restored;
                    try { restored = LedgerState.Restore(snapshot.Image, context.Options.IdempotencyWindow, context.Markets); }
                    catch (ArgumentException error) { throw new SnapshotRefused(error.Message, error); }
                    return Replay(restored, snapshot.Header, partition, context, cancellation);
                }
            }
            catch (Exception error) when (error is SnapshotRefused or IOException or UnauthorizedAccessException)
            {
                context.Metrics.SnapshotRefused(partition);
                context.Log.LogWarning("Partition {Partition}: snapshot {Path} refused ({Reason}); replaying the whole partition",
                    partition, snapshots.PathOf(partition), error.Message);
            }
        }
        return Replay(new LedgerState(context.Options.IdempotencyWindow, context.Markets), snapshot: null, partition, context, cancellation);
    }

    /// <summary>Applies the partition's events to the state: all of them, or those after the snapshot
    /// the state was restored from. The log must then still hold the snapshot's last event, byte for
    /// byte: otherwise the snapshot is of another log (a topic made again, another cluster) or ahead
    /// of this one, and is refused. So is one whose state already holds the event after that one: its
    /// label is behind its state, as a snapshot labelled from a made-up delivery offset was (written
    /// before <see cref="DeliveredEvents"/>), and replaying on from it would apply events twice.</summary>
    private static Recovery Replay(LedgerState state, SnapshotHeader? snapshot, int partition, WriterContext context,
        CancellationToken cancellation)
    {
        var eventsAtSnapshot = state.EventsApplied;
        var events = new TopicPartition(context.Kafka.EventsTopic, partition);
        var replay = new EventReplay(context.Events, state);
        LastEvent? last = null;
        long nextCommand = 0;
        var lastTransaction = new LastTransaction();
        PartitionReader.ReadToEnd(context.BootstrapServers, events, context.Options.RecoveryStallTimeout, record =>
        {
            if (snapshot is not null && last is null)
            {
                if (record.Offset.Value != snapshot.LastEventOffset || !SHA256.HashData(record.Message.Value).AsSpan().SequenceEqual(snapshot.LastEventSha256))
                    throw new SnapshotRefused($"its last event is not the record at offset {snapshot.LastEventOffset} of {events}");
            }
            else
            {
                if (snapshot is not null && last!.Offset == snapshot.LastEventOffset) ThrowIfHeld(state, context.Events.DecodeEvent(record.Message.Value), record.Offset.Value);
                replay.Add(record.Message.Value);
            }
            last = new LastEvent(record.Offset.Value, record.Message.Value);
            if (record.Message.Headers.FindNumber(LedgerHeaders.CommandOffset) is { } decided)
                nextCommand = Math.Max(nextCommand, decided + 1);
            lastTransaction.Add(record);
        }, cancellation, from: snapshot?.LastEventOffset ?? 0);
        if (snapshot is not null && last is null)
            throw new SnapshotRefused($"{events} has no record at offset {snapshot.LastEventOffset}: the snapshot is ahead of the log");
        replay.Finish();
        return new Recovery(state, last, eventsAtSnapshot, nextCommand, lastTransaction.FollowUps(context.Events));
    }

    /// <summary>A decision's first event is remembered under its request's key with its command: a
    /// restored state that remembers the event after the snapshot's last one has applied it already.</summary>
    private static void ThrowIfHeld(LedgerState restored, LedgerEvent next, long offset)
    {
        var request = next.Request;
        if (restored.Requests.TryRecall(request.UserId, request.IdempotencyKey, out var remembered)
            && remembered.FirstEvent.Request.CommandId == request.CommandId)
            throw new SnapshotRefused($"its state already holds the event after its last one ({next.GetType().Name} of command " +
                $"{request.CommandId} at offset {offset}): its label is behind its state");
    }

    /// <summary>The saga events of the trailing run of records that one transaction produced.</summary>
    private sealed class LastTransaction
    {
        private string? _id;
        private readonly List<(byte[] Value, string CorrelationId)> _sagaEvents = [];

        public void Add(ConsumeResult<string, byte[]> record)
        {
            var headers = record.Message.Headers;
            var id = headers.Find(LedgerHeaders.Transaction);
            if (id != _id) { _id = id; _sagaEvents.Clear(); }
            if (headers.Find(LedgerHeaders.EventType) is nameof(Domain.Transfers.TransferDebited) or nameof(Domain.Transfers.TransferCreditRejected))
                _sagaEvents.Add((record.Message.Value, headers.Find(LedgerHeaders.CorrelationId) ?? ""));
        }

        public IReadOnlyList<(Command, string)> FollowUps(EventCodec codec) =>
            _sagaEvents.SelectMany(e => LedgerDecider.FollowUps(codec.DecodeEvent(e.Value)).Select(followUp => (followUp, e.CorrelationId))).ToList();
    }

    /// <summary>Decides one command of this partition into the batch's transaction.</summary>
    public void Decide(ConsumeResult<string, byte[]> record, DateTimeOffset now, WriterBatch batch)
    {
        Debug.Assert(record.Partition.Value == _partition);
        if (record.Offset.Value < NextCommand)
        {
            // Deciding it again would be harmless (its key is remembered) but means a wrong position.
            _context.Log.LogWarning("Partition {Partition}: command at offset {Offset} was decided already (next is {Next}); skipped",
                _partition, record.Offset.Value, NextCommand);
            return;
        }
        NextCommand = record.Offset.Value + 1;
        var commandOffset = record.Offset.Value;
        Command command;
        try
        {
            command = _context.Commands.Decode(record.Message.Value);
            if (UserPartitioner.PartitionOf(command.Request.UserId, _context.Kafka.Partitions) != _partition)
                throw new MalformedMessage($"user {command.Request.UserId} does not belong to partition {_partition}");
        }
        catch (MalformedMessage error)
        {
            DeadLetter(record, error.Message, batch);
            return;
        }

        var correlationId = record.Message.Headers.Find(LedgerHeaders.CorrelationId) ?? command.Request.CommandId.ToString();
        using var span = WriterTracing.StartDecide(record, command, correlationId, batch.Span);
        // The records this decision produces carry its span, or else the command's own trace context.
        DecideCommand(command, correlationId, commandOffset, span, span is null ? record.Message.Headers : null, now, batch);
    }

    /// <summary>Decides one command the edge of this process handed over (<see cref="WriterInbox"/>) into
    /// the batch's transaction. It was never on ledger.commands, so its records name no command offset.</summary>
    public void Decide(HandedCommand handed, DateTimeOffset now, WriterBatch batch)
    {
        Debug.Assert(handed.Partition == _partition);
        using var span = WriterTracing.StartDecide(handed, batch.Span);
        DecideCommand(handed.Command, handed.CorrelationId, commandOffset: null, span, span is null ? handed.Trace : null, now, batch);
    }

    private void DecideCommand(Command command, string correlationId, long? commandOffset, Activity? span, Headers? trace,
        DateTimeOffset now, WriterBatch batch)
    {
        var events = LedgerDecider.Decide(command, _state, now);
        WriterTracing.Decided(span, events);
        if (events.Count == 0)
        {
            Reply(command, correlationId, commandOffset, batch, span, trace);
            return;
        }
        List<(PartitionWriter Writer, Command Step)>? stepsHere = null;
        for (var i = 0; i < events.Count; i++)
        {
            var @event = events[i];
            LedgerDecider.Evolve(_state, @event, out var balancesAfter);
            foreach (var followUp in LedgerDecider.FollowUps(@event))
            {
                if (batch.WriterHere(followUp) is { } writer) (stepsHere ??= []).Add((writer, followUp));
                else batch.SendFollowUp(followUp, correlationId, span, trace);
            }
            var message = new EventMessage(@event, balancesAfter);
            if (i == 0) batch.Answer(command.Request.CommandId, new CommandOutcome(message, Replayed: false), _partition);
            _delivered.Produced();
            batch.Produce(new TopicPartition(_context.Kafka.EventsTopic, _partition), @event.Request.UserId, _context.Events.Encode(message), new Headers()
                .With(LedgerHeaders.EventType, @event.GetType().Name)
                .With(LedgerHeaders.SchemaVersion, EventMessage.SchemaVersion.ToString())
                .With(LedgerHeaders.CorrelationId, correlationId)
                .With(LedgerHeaders.IdempotencyKey, @event.Request.IdempotencyKey)
                .WithCommandOffset(commandOffset)
                .With(LedgerHeaders.Transaction, batch.Id)
                .WithTraceContext(span).WithTraceContextOf(trace),
                OnEventDelivered);
        }
        // After the events that call for them, so that a step back to this partition (a refund) comes
        // after its debit on the log as in the state.
        if (stepsHere is not null)
            foreach (var (writer, step) in stepsHere) batch.DecideHere(writer, step, correlationId, span, trace, now);
    }

    /// <summary>Decides a saga step called for by a decision of this same batch, when this member owns
    /// the step's partition too (<see cref="WriterBatch.WriterHere"/>): it was never on ledger.commands.</summary>
    public void DecideStep(Command step, string correlationId, Activity? span, Headers? trace, DateTimeOffset now, WriterBatch batch)
    {
        Debug.Assert(UserPartitioner.PartitionOf(step.Request.UserId, _context.Kafka.Partitions) == _partition);
        DecideCommand(step, correlationId, commandOffset: null, span, trace, now, batch);
    }

    /// <summary>A command that decided nothing new was a repeat: tell its caller the first outcome.</summary>
    private void Reply(Command command, string correlationId, long? commandOffset, WriterBatch batch, Activity? span, Headers? trace)
    {
        var request = command.Request;
        if (!_state.Requests.TryRecall(request.UserId, request.IdempotencyKey, out var first))
        {
            _context.Log.LogWarning("Partition {Partition}: command {CommandId} decided nothing and has no first outcome",
                _partition, request.CommandId);
            return;
        }
        var reply = new Reply(request.CommandId, new EventMessage(first.FirstEvent, first.BalancesAfter));
        batch.Answer(request.CommandId, new CommandOutcome(reply.FirstOutcome, Replayed: true), _partition);
        // A handed command's caller waits in this process: the answer above is its whole reply.
        if (commandOffset is null) return;
        var headers = new Headers().With(LedgerHeaders.CorrelationId, correlationId).WithCommandOffset(commandOffset)
            .WithTraceContext(span).WithTraceContextOf(trace);
        // Earlier batches' events are all reported (the writer waits for that after each commit); an
        // event of this batch is not, so a first outcome decided in it leaves the reply without one.
        if (!batch.Decided(first.FirstEvent.Request.CommandId) && DeliveredThrough is { } through)
            headers = headers.WithNumber(LedgerHeaders.EventsThrough, through);
        batch.Produce(new TopicPartition(_context.Kafka.RepliesTopic, _partition), request.UserId, _context.Replies.Encode(reply), headers);
    }

    private void DeadLetter(ConsumeResult<string, byte[]> record, string reason, WriterBatch batch)
    {
        _context.Log.LogWarning("Partition {Partition}: command at offset {Offset} sent to the dead-letter topic: {Reason}",
            _partition, record.Offset.Value, reason);
        _context.Metrics.DeadLettered(_partition);
        var headers = new Headers()
            .With("ledger-dead-letter-reason", reason)
            .With("ledger-source", $"{record.Topic}/{record.Partition.Value}/{record.Offset.Value}")
            .WithCommandOffset(record.Offset.Value);
        batch.Produce(new TopicPartition(_context.Kafka.DeadLetterTopic, _partition), record.Message.Key ?? "", record.Message.Value ?? [], headers);
    }

    // Event offsets. The writer learns them from their delivery reports (on the producer's thread).
    // A snapshot is the state as of an event at a known offset of ledger.events, taken only when every
    // event produced is reported, right after a commit; an answer's consistency token is the offset of
    // the partition's last event once the batch's events are all reported. Neither is given when the
    // latest report's offset was made up (see DeliveredEvents).
    private readonly DeliveredEvents _delivered;
    private long _eventsAtLastSnapshot;
    private Task? _snapshotSave;

    private void OnEventDelivered(DeliveryReport<string, byte[]> report)
    {
        // A failed delivery fails the transaction's commit, and the writer stops.
        if (report.Error.IsError) return;
        var reported = _delivered.Reported(report.Offset.Value, report.Message.Value);
        if (reported == ReportedOffset.Known) return;
        _context.Metrics.EventOffsetUnknown(_partition);
        if (reported == ReportedOffset.MadeUp) // once per run of them
            _context.Log.LogWarning(
                "Partition {Partition}: an event's delivery was reported at offset {Offset}, below any it can have: a produce " +
                "retried and acknowledged as a duplicate; no snapshot or consistency token until an event is reported at its offset",
                _partition, report.Offset.Value);
    }

    /// <summary>The offset of the last event of this partition whose delivery was reported; null before
    /// any, or when that report's offset was made up.</summary>
    public long? DeliveredThrough => _delivered.Now().Latest?.Offset;

    /// <summary>After a commit, whose flush normally leaves no report outstanding: the offset of the last
    /// event once every event produced is reported, waiting up to <paramref name="wait"/>; null if some
    /// report is still missing then, or its offset was made up (an answer then goes out without a token,
    /// never with a wrong one).</summary>
    public long? DeliveredThroughAll(TimeSpan wait)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        var spin = new SpinWait();
        while (true)
        {
            var (allReported, latest) = _delivered.Now();
            if (allReported) return latest?.Offset;
            if (Stopwatch.GetTimestamp() > deadline) return null;
            spin.SpinOnce();
        }
    }

    /// <summary>After a commit: copies the state (on the writer thread: nothing is decided meanwhile)
    /// once enough events were decided since the last snapshot, and writes it beside, one at a time.</summary>
    public void SnapshotWhenDue()
    {
        if (_context.Snapshots is not { } snapshots) return;
        if (_state.EventsApplied - _eventsAtLastSnapshot < _context.Options.SnapshotEveryEvents) return;
        if (_snapshotSave is { IsCompleted: false }) return;
        // A report still on its way, or an offset not known: next batch.
        if (_delivered.Now() is not (AllReported: true, Latest: { } last)) return;

        var started = Stopwatch.GetTimestamp();
        var image = _state.Capture();
        _context.Metrics.SnapshotCaptured(_partition, Stopwatch.GetElapsedTime(started).TotalSeconds);
        _eventsAtLastSnapshot = image.EventsApplied;
        var header = new SnapshotHeader(_context.Kafka.EventsTopic, _partition, last.Offset, SHA256.HashData(last.Value),
            _context.Options.IdempotencyWindow, snapshots.Catalog, _context.Clock.GetUtcNow());
        _snapshotSave = Task.Run(() =>
        {
            var saving = Stopwatch.GetTimestamp();
            try
            {
                var bytes = snapshots.Save(header, image);
                var elapsed = Stopwatch.GetElapsedTime(saving);
                _context.Metrics.SnapshotSaved(_partition, elapsed.TotalSeconds, bytes);
                _context.Log.LogInformation("Partition {Partition}: snapshot of {Events} events (up to offset {Offset}) written, {Bytes} bytes in {Ms:0} ms",
                    _partition, image.EventsApplied, header.LastEventOffset, bytes, elapsed.TotalMilliseconds);
            }
            catch (Exception error)
            {
                // The log is the truth: a snapshot not written only makes the next recovery longer.
                _context.Log.LogError(error, "Partition {Partition}: writing a snapshot failed", _partition);
            }
        });
    }

    /// <summary>Lets a snapshot being written finish: it is whole or not there at all either way.</summary>
    public void Stop() => _snapshotSave?.Wait(SnapshotSaveWaitOnStop);

    private static readonly TimeSpan SnapshotSaveWaitOnStop = TimeSpan.FromSeconds(30);
}
