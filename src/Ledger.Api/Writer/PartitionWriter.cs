using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Kafka.Contracts;

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

    private PartitionWriter(int partition, WriterContext context, LedgerState state,
        IProducer<string, byte[]> producer, Func<IConsumerGroupMetadata> groupMetadata)
    {
        _partition = partition;
        _context = context;
        _state = state;
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

    /// <summary>Fences any earlier writer of this partition, rebuilds the state from ledger.events,
    /// and only then starts deciding.</summary>
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
            var state = Recover(partition, context, cancellation);
            context.Metrics.Recovered(partition, started.Elapsed.TotalMilliseconds);
            context.Log.LogInformation("Partition {Partition}: recovered {Events} events, {Accounts} accounts in {Ms} ms",
                partition, state.EventsApplied, state.AccountCount, started.ElapsedMilliseconds);
            var writer = new PartitionWriter(partition, context, state, producer, groupMetadata);
            writer._thread.Start();
            return writer;
        }
        catch
        {
            producer.Dispose();
            throw;
        }
    }

    private static LedgerState Recover(int partition, WriterContext context, CancellationToken cancellation)
    {
        var state = new LedgerState(context.Options.IdempotencyWindow, context.Markets);
        var events = new TopicPartition(context.Kafka.EventsTopic, partition);
        var replay = new EventReplay(context.Events, state);
        PartitionReader.ReadToEnd(context.BootstrapServers, events, context.Options.RecoveryStallTimeout,
            record => replay.Add(record.Message.Value), cancellation);
        replay.Finish();
        return state;
    }

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
    }

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
        foreach (var (topic, message) in _heldBack) _producer.Produce(new TopicPartition(topic, _partition), message);
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
        else _producer.Produce(new TopicPartition(topic, _partition), message);
    }

    private void TryAbort()
    {
        try { _producer.AbortTransaction(_context.Options.TransactionTimeout); }
        catch (Exception error) { _context.Log.LogWarning(error, "Partition {Partition}: abort failed", _partition); }
    }

    public void Dispose() => _producer.Dispose();
}
