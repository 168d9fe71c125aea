using System.Diagnostics;
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
internal sealed class WriterBatch(IProducer<string, byte[]> producer, WriterContext context,
    IReadOnlyDictionary<int, PartitionWriter> writers)
{
    private readonly List<(Guid CommandId, CommandOutcome Outcome, int Partition)> _answers = [];
    private readonly HashSet<int> _stepPartitions = [];
    private long _transactions;

    /// <summary>Names this transaction on its events (<see cref="LedgerHeaders.Transaction"/>).</summary>
    public string Id { get; private set; } = "";

    public IReadOnlyList<(Guid CommandId, CommandOutcome Outcome, int Partition)> Answers => _answers;

    /// <summary>This transaction's span while tracing (<see cref="WriterTracing.StartBatch"/>), else null.</summary>
    public Activity? Span { get; set; }

    /// <summary>The partitions this transaction decided saga steps on in process (<see cref="DecideHere"/>).</summary>
    public IReadOnlySet<int> StepPartitions => _stepPartitions;

    public void Begin()
    {
        _answers.Clear();
        _stepPartitions.Clear();
        Id = $"{context.Options.InstanceId}/{++_transactions}";
        producer.BeginTransaction();
    }

    public void Answer(Guid commandId, CommandOutcome outcome, int partition) => _answers.Add((commandId, outcome, partition));

    /// <summary>Whether this transaction decided the command (not merely replied to it). A scan: only
    /// replies ask, and they are rare.</summary>
    public bool Decided(Guid commandId)
    {
        foreach (var answer in _answers)
            if (answer.CommandId == commandId && !answer.Outcome.Replayed) return true;
        return false;
    }

    /// <summary>
    /// The writer that decides the next step of a saga in this transaction rather than sending it, or
    /// null: when the edge hands commands in process (<see cref="WriterContext.HandOff"/>) and this member
    /// owns the step's partition. The step's events and the event that calls for it then commit together;
    /// on a broker whose transactions are not atomic, the recovery of the partition that called for it
    /// sends the step again, and the receiver answers it as a repeat (<see cref="PartitionWriter.UnsureFollowUps"/>).
    /// </summary>
    public PartitionWriter? WriterHere(Command followUp) =>
        context.HandOff ? writers.GetValueOrDefault(UserPartitioner.PartitionOf(followUp.Request.UserId, context.Kafka.Partitions)) : null;

    public void DecideHere(PartitionWriter writer, Command step, string correlationId, Activity? span, Headers? trace, DateTimeOffset now)
    {
        _stepPartitions.Add(writer.Partition);
        writer.DecideStep(step, correlationId, span, trace, now, this);
    }

    /// <summary>
    /// The next step of a saga (a transfer's credit or refund) goes to its user's partition in this
    /// same transaction: on Kafka, the transaction makes the step and the event that calls for it
    /// visible together or not at all. Where a broker does not make transactions atomic (librdkafka's
    /// mock cluster shows records at once), the event may be visible without its step: the writer that
    /// takes the partition next sends the steps of the partition's last transaction again
    /// (<see cref="PartitionWriter.UnsureFollowUps"/>); their deterministic ids and idempotency keys make
    /// the receiver apply each once.
    /// </summary>
    /// <param name="span">The span of the decision that calls for the step, if traced; else <paramref name="trace"/>
    /// holds the trace context headers to carry on.</param>
    public void SendFollowUp(Command followUp, string correlationId, Activity? span, Headers? trace) =>
        FollowUp(producer, context, followUp, correlationId, span, trace);

    public static void FollowUp(IProducer<string, byte[]> producer, WriterContext context, Command followUp, string correlationId,
        Activity? span = null, Headers? trace = null)
    {
        var userId = followUp.Request.UserId;
        var partition = new TopicPartition(context.Kafka.CommandsTopic, UserPartitioner.PartitionOf(userId, context.Kafka.Partitions));
        producer.Produce(partition, new Message<string, byte[]>
        {
            Key = userId,
            Value = context.Commands.Encode(followUp),
            Headers = new Headers().With(LedgerHeaders.CorrelationId, correlationId).WithTraceContext(span).WithTraceContextOf(trace),
        });
    }

    /// <summary>Delivery errors surface in CommitTransaction, which then throws and stops the writer.</summary>
    public void Produce(TopicPartition partition, string key, byte[] value, Headers headers,
        Action<DeliveryReport<string, byte[]>>? delivered = null)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value, Headers = headers };
        if (delivered is null) producer.Produce(partition, message);
        else producer.Produce(partition, message, delivered);
    }
}
