using Confluent.Kafka;
using Ledger.Api.Commands;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.Api.Writer;

/// <summary>
/// What one Kafka transaction of the writer holds: the records its partition writers decided, in
/// order, and the answers to give callers in this process once it commits (never before).
/// </summary>
internal sealed class WriterBatch(IProducer<string, byte[]> producer, WriterContext context)
{
    private readonly List<Task<DeliveryResult<string, byte[]>>> _followUps = [];
    private readonly List<Held> _heldBack = [];
    private readonly List<(Guid CommandId, CommandOutcome Outcome)> _answers = [];

    private sealed record Held(TopicPartition Partition, Message<string, byte[]> Message, Action<DeliveryReport<string, byte[]>>? Delivered);

    public IReadOnlyList<(Guid CommandId, CommandOutcome Outcome)> Answers => _answers;

    public void Clear()
    {
        _followUps.Clear();
        _heldBack.Clear();
        _answers.Clear();
    }

    public void Answer(Guid commandId, CommandOutcome outcome) => _answers.Add((commandId, outcome));

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
    public void SendFollowUp(Command followUp, string correlationId)
    {
        var userId = followUp.Request.UserId;
        var partition = new TopicPartition(context.Kafka.CommandsTopic, UserPartitioner.PartitionOf(userId, context.Kafka.Partitions));
        _followUps.Add(producer.ProduceAsync(partition, new Message<string, byte[]>
        {
            Key = userId,
            Value = context.Commands.Encode(followUp),
            Headers = new Headers().With(LedgerHeaders.CorrelationId, correlationId),
        }));
    }

    /// <summary>Delivery errors surface in CommitTransaction, which then throws and stops the writer.</summary>
    public void Produce(TopicPartition partition, string key, byte[] value, Headers headers,
        Action<DeliveryReport<string, byte[]>>? delivered = null)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value, Headers = headers };
        if (_followUps.Count > 0) _heldBack.Add(new Held(partition, message, delivered));
        else Send(partition, message, delivered);
    }

    public void DeliverFollowUpsThenTheRest()
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
        foreach (var held in _heldBack) Send(held.Partition, held.Message, held.Delivered);
        _heldBack.Clear();
    }

    private void Send(TopicPartition partition, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? delivered)
    {
        if (delivered is null) producer.Produce(partition, message);
        else producer.Produce(partition, message, delivered);
    }
}
