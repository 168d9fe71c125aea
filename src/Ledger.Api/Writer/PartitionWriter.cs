using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Kafka.Contracts;
using Ledger.Kafka.Snapshots;

namespace Ledger.Api.Writer;

/// <summary>
/// The single writer of one partition. It owns that partition's users' state on one thread, so
/// balances need no lock. Per batch it decides the commands and, in ONE Kafka transaction, produces
/// the events (and replies, and dead letters) and commits the consumed offsets. If anything in that
/// transaction fails, the in-memory state may be ahead of the log, so the writer stops and its group
/// member rebuilds everything from the log.
/// </summary>
internal sealed class PartitionWriter : IDisposable
{
    private readonly int _partition;
    private readonly WriterContext _context;
    private readonly LedgerState _state;
    private readonly IProducer<string, byte[]> _producer;
    private readonly Func<IConsumerGroupMetadata> _groupMetadata;
    private readonly Channel<ConsumeResult<string, byte[]>> _inbox;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private PartitionWriter(int partition, WriterContext context, Recovery recovery,
        IProducer<string, byte[]> producer, Func<IConsumerGroupMetadata> groupMetadata)
    {
        _partition = partition;
        _context = context;
        _state = recovery.State;
        _lastDelivered = recovery.LastEvent;
        _eventsAtLastSnapshot = recovery.EventsAtSnapshot;
        _producer = producer;
        _groupMetadata = groupMetadata;
        _inbox = Channel.CreateBounded<ConsumeResult<string, byte[]>>(new BoundedChannelOptions(context.Options.InboxCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = $"ledger-writer-{partition}" };
    }

    public int Partition => _partition;
    public int Backlog => _inbox.Reader.Count;
    public Exception? Failure { get; private set; }

    /// <summary>Fences any earlier writer of this partition, rebuilds the state from ledger.events
    /// (from its snapshot on, when it has a usable one), and only then starts deciding.</summary>
    public static PartitionWriter Start(int partition, WriterContext context, Func<IConsumerGroupMetadata> groupMetadata,
        CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        var transactionalId = $"{context.Kafka.WriterGroup}-{partition}";
        var producer = new ProducerBuilder<string, byte[]>(
            KafkaClients.TransactionalProducer(context.BootstrapServers, transactionalId)).Build();
        try
        {
            producer.InitTransactions(context.Options.TransactionTimeout);
            var recovery = Recover(partition, context, cancellation);
            var state = recovery.State;
            context.Metrics.Recovered(partition, started.Elapsed.TotalMilliseconds);
            context.Log.LogInformation(
                "Partition {Partition}: recovered {Events} events, {Accounts} accounts in {Ms} ms ({Source}, then {Replayed} events replayed)",
                partition, state.EventsApplied, state.AccountCount, started.ElapsedMilliseconds,
                recovery.EventsAtSnapshot > 0 ? $"from the snapshot of {recovery.EventsAtSnapshot} events" : "no snapshot",
                state.EventsApplied - recovery.EventsAtSnapshot);
            var writer = new PartitionWriter(partition, context, recovery, producer, groupMetadata);
            writer.SnapshotWhenDue();
            writer._thread.Start();
            return writer;
        }
        catch
        {
            producer.Dispose();
            throw;
        }
    }

    /// <summary>A recovered state, the last event it includes (null for an empty log), and how many
    /// events the snapshot it started from held (0 without one).</summary>
    private sealed record Recovery(LedgerState State, LastEvent? LastEvent, long EventsAtSnapshot);

    /// <summary>The offset and value of a partition's last event on ledger.events.</summary>
    private sealed record LastEvent(long Offset, byte[] Value);

    private static Recovery Recover(int partition, WriterContext context, CancellationToken cancellation)
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
    /// of this one, and is refused.</summary>
    private static Recovery Replay(LedgerState state, SnapshotHeader? snapshot, int partition, WriterContext context,
        CancellationToken cancellation)
    {
        var eventsAtSnapshot = state.EventsApplied;
        var events = EventsOf(partition, context);
        var replay = new EventReplay(context.Events, state);
        LastEvent? last = null;
        PartitionReader.ReadToEnd(context.BootstrapServers, events, context.Options.RecoveryStallTimeout, record =>
        {
            if (snapshot is not null && last is null)
            {
                if (record.Offset.Value != snapshot.LastEventOffset || !SHA256.HashData(record.Message.Value).AsSpan().SequenceEqual(snapshot.LastEventSha256))
                    throw new SnapshotRefused($"its last event is not the record at offset {snapshot.LastEventOffset} of {events}");
            }
            else replay.Add(record.Message.Value);
            last = new LastEvent(record.Offset.Value, record.Message.Value);
        }, cancellation, from: snapshot?.LastEventOffset ?? 0);
        if (snapshot is not null && last is null)
            throw new SnapshotRefused($"{events} has no record at offset {snapshot.LastEventOffset}: the snapshot is ahead of the log");
        replay.Finish();
        return new Recovery(state, last, eventsAtSnapshot);
    }

    private static TopicPartition EventsOf(int partition, WriterContext context) => new(context.Kafka.EventsTopic, partition);

    /// <summary>Called by the group member's thread only. False when the inbox is full.</summary>
    public bool TryEnqueue(ConsumeResult<string, byte[]> record) => _inbox.Writer.TryWrite(record);

    /// <summary>Finishes the batch in flight (its transaction commits or aborts), then stops.
    /// Commands still in the inbox are not decided: their offsets were not committed, so the next
    /// owner reads them again.</summary>
    public void Stop()
    {
        _stopping = true;
        _inbox.Writer.TryComplete();
        _thread.Join();
        // A snapshot being written is let finish: it is whole or not there at all either way.
        _snapshotSave?.Wait(SnapshotSaveWaitOnStop);
    }

    private static readonly TimeSpan SnapshotSaveWaitOnStop = TimeSpan.FromSeconds(30);

    private void Run()
    {
        var batch = new List<ConsumeResult<string, byte[]>>(_context.Options.BatchSizeMax);
        try
        {
            while (!_stopping && _inbox.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                batch.Clear();
                while (batch.Count < _context.Options.BatchSizeMax && _inbox.Reader.TryRead(out var record))
                    batch.Add(record);
                if (batch.Count > 0 && !_stopping) DecideInOneTransaction(batch);
            }
        }
        catch (Exception error)
        {
            Failure = error;
            _context.Log.LogError(error, "Partition {Partition}: writer stopped", _partition);
            TryAbort();
        }
    }

    private void DecideInOneTransaction(List<ConsumeResult<string, byte[]>> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _context.Clock.GetUtcNow();
        _producer.BeginTransaction();
        foreach (var record in batch) DecideOne(record, now);
        DeliverFollowUpsThenTheRest();
        var decided = Stopwatch.GetTimestamp();

        var next = new TopicPartitionOffset(batch[^1].TopicPartition, batch[^1].Offset + 1);
        _producer.SendOffsetsToTransaction([next], _groupMetadata(), _context.Options.TransactionTimeout);
        _producer.CommitTransaction(_context.Options.TransactionTimeout);
        _context.Metrics.BatchDecided(_partition, batch.Count,
            Stopwatch.GetElapsedTime(started, decided).TotalMilliseconds,
            Stopwatch.GetElapsedTime(decided).TotalMilliseconds);
        SnapshotWhenDue();
    }

    private void DecideOne(ConsumeResult<string, byte[]> record, DateTimeOffset now)
    {
        Command command;
        try
        {
            command = _context.Commands.Decode(record.Message.Value);
            if (UserPartitioner.PartitionOf(command.Request.UserId, _context.Kafka.Partitions) != _partition)
                throw new MalformedMessage($"user {command.Request.UserId} does not belong to partition {_partition}");
        }
        catch (MalformedMessage error)
        {
            DeadLetter(record, error.Message);
            return;
        }

        var correlationId = record.Message.Headers.Find(LedgerHeaders.CorrelationId) ?? command.Request.CommandId.ToString();
        var events = LedgerDecider.Decide(command, _state, now);
        if (events.Count == 0)
        {
            Reply(command, correlationId);
            return;
        }
        foreach (var @event in events)
        {
            LedgerDecider.Evolve(_state, @event, out var balancesAfter);
            foreach (var followUp in LedgerDecider.FollowUps(@event)) SendFollowUp(followUp, correlationId);
            var message = new EventMessage(@event, balancesAfter);
            Produce(_context.Kafka.EventsTopic, @event.Request.UserId, _context.Events.Encode(message), new Headers()
                .With(LedgerHeaders.EventType, @event.GetType().Name)
                .With(LedgerHeaders.SchemaVersion, EventMessage.SchemaVersion.ToString())
                .With(LedgerHeaders.CorrelationId, correlationId)
                .With(LedgerHeaders.IdempotencyKey, @event.Request.IdempotencyKey));
        }
    }

    /// <summary>
    /// The next step of a saga (a transfer's credit or refund) goes to its user's partition in this
    /// same transaction, and is delivered BEFORE the event that calls for it is produced. On Kafka the
    /// transaction alone makes both or neither visible; the order keeps the saga whole where a broker
    /// does not make transactions atomic (librdkafka's mock cluster shows records at once): if the
    /// writer dies in between, its successor decides the command again and sends the same follow-up,
    /// whose deterministic id and idempotency key make the receiver apply it once. The batch's
    /// follow-ups are sent together and waited for once (<see cref="DeliverFollowUpsThenTheRest"/>);
    /// until then, whatever this batch produces is held back, so it keeps its order.
    /// </summary>
    private void SendFollowUp(Command followUp, string correlationId)
    {
        var userId = followUp.Request.UserId;
        var partition = new TopicPartition(_context.Kafka.CommandsTopic, UserPartitioner.PartitionOf(userId, _context.Kafka.Partitions));
        _followUps.Add(_producer.ProduceAsync(partition, new Message<string, byte[]>
        {
            Key = userId,
            Value = _context.Commands.Encode(followUp),
            Headers = new Headers().With(LedgerHeaders.CorrelationId, correlationId),
        }));
    }

    private readonly List<Task<DeliveryResult<string, byte[]>>> _followUps = [];
    private readonly List<(string Topic, Message<string, byte[]> Message)> _heldBack = [];

    private void DeliverFollowUpsThenTheRest()
    {
        if (_followUps.Count == 0) return;
        try
        {
            // Throws if one was not delivered: the events that call for them are then never produced.
            Task.WaitAll(_followUps);
        }
        finally
        {
            _followUps.Clear();
        }
        foreach (var (topic, message) in _heldBack) Send(topic, message);
        _heldBack.Clear();
    }

    /// <summary>A command that decided nothing new was a repeat: tell its caller the first outcome.</summary>
    private void Reply(Command command, string correlationId)
    {
        var request = command.Request;
        if (!_state.Requests.TryRecall(request.UserId, request.IdempotencyKey, out var first))
        {
            _context.Log.LogWarning("Partition {Partition}: command {CommandId} decided nothing and has no first outcome",
                _partition, request.CommandId);
            return;
        }
        var reply = new Reply(request.CommandId, new EventMessage(first.FirstEvent, first.BalancesAfter));
        Produce(_context.Kafka.RepliesTopic, request.UserId, _context.Replies.Encode(reply),
            new Headers().With(LedgerHeaders.CorrelationId, correlationId));
    }

    private void DeadLetter(ConsumeResult<string, byte[]> record, string reason)
    {
        _context.Log.LogWarning("Partition {Partition}: command at offset {Offset} sent to the dead-letter topic: {Reason}",
            _partition, record.Offset.Value, reason);
        _context.Metrics.DeadLettered(_partition);
        var headers = new Headers()
            .With("ledger-dead-letter-reason", reason)
            .With("ledger-source", $"{record.Topic}/{record.Partition.Value}/{record.Offset.Value}");
        Produce(_context.Kafka.DeadLetterTopic, record.Message.Key ?? "", record.Message.Value ?? [], headers);
    }

    private void Produce(string topic, string key, byte[] value, Headers headers)
    {
        // Delivery errors surface in CommitTransaction, which then throws and stops this writer.
        var message = new Message<string, byte[]> { Key = key, Value = value, Headers = headers };
        if (_followUps.Count > 0) _heldBack.Add((topic, message));
        else Send(topic, message);
    }

    private void Send(string topic, Message<string, byte[]> message)
    {
        var partition = new TopicPartition(topic, _partition);
        if (_context.Snapshots is null || topic != _context.Kafka.EventsTopic)
        {
            _producer.Produce(partition, message);
            return;
        }
        _eventsProduced++;
        _producer.Produce(partition, message, OnEventDelivered);
    }

    // Snapshots. A snapshot is the state as of an event at a known offset of ledger.events: the
    // writer learns its events' offsets from their delivery reports (on the producer's thread), and
    // takes one only when every event it produced is reported, right after a commit.
    private readonly Lock _deliveries = new();
    private LastEvent? _lastDelivered;
    private long _eventsProduced;
    private long _eventsDelivered;
    private long _eventsAtLastSnapshot;
    private Task? _snapshotSave;

    private void OnEventDelivered(DeliveryReport<string, byte[]> report)
    {
        // A failed delivery fails the transaction's commit, and the writer stops.
        if (report.Error.IsError) return;
        lock (_deliveries)
        {
            _eventsDelivered++;
            if (_lastDelivered is null || report.Offset.Value > _lastDelivered.Offset)
                _lastDelivered = new LastEvent(report.Offset.Value, report.Message.Value);
        }
    }

    /// <summary>Copies the state (on this thread: nothing is decided meanwhile) once enough events were
    /// decided since the last snapshot, and writes it beside, one snapshot at a time.</summary>
    private void SnapshotWhenDue()
    {
        if (_context.Snapshots is not { } snapshots) return;
        if (_state.EventsApplied - _eventsAtLastSnapshot < _context.Options.SnapshotEveryEvents) return;
        if (_snapshotSave is { IsCompleted: false }) return;
        LastEvent? last;
        lock (_deliveries)
        {
            if (_eventsDelivered != _eventsProduced) return; // a report is still on its way: next batch
            last = _lastDelivered;
        }
        if (last is null) return;

        var started = Stopwatch.GetTimestamp();
        var image = _state.Capture();
        _context.Metrics.SnapshotCaptured(_partition, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        _eventsAtLastSnapshot = image.EventsApplied;
        var header = new SnapshotHeader(_context.Kafka.EventsTopic, _partition, last.Offset, SHA256.HashData(last.Value),
            _context.Options.IdempotencyWindow, snapshots.Catalog, _context.Clock.GetUtcNow());
        _snapshotSave = Task.Run(() =>
        {
            var saving = Stopwatch.GetTimestamp();
            try
            {
                var bytes = snapshots.Save(header, image);
                var ms = Stopwatch.GetElapsedTime(saving).TotalMilliseconds;
                _context.Metrics.SnapshotSaved(_partition, ms, bytes);
                _context.Log.LogInformation("Partition {Partition}: snapshot of {Events} events (up to offset {Offset}) written, {Bytes} bytes in {Ms:0} ms",
                    _partition, image.EventsApplied, header.LastEventOffset, bytes, ms);
            }
            catch (Exception error)
            {
                // The log is the truth: a snapshot not written only makes the next recovery longer.
                _context.Log.LogError(error, "Partition {Partition}: writing a snapshot failed", _partition);
            }
        });
    }

    private void TryAbort()
    {
        try { _producer.AbortTransaction(_context.Options.TransactionTimeout); }
        catch (Exception error) { _context.Log.LogWarning(error, "Partition {Partition}: abort failed", _partition); }
    }

    public void Dispose() => _producer.Dispose();
}
