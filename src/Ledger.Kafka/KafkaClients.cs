using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>The client settings the ledger relies on, in one place: explicit, never library defaults
/// where correctness depends on them. Each also takes the deployment's own properties (TLS, SASL,
/// client.id: <see cref="KafkaClientProperties"/>).</summary>
public static class KafkaClients
{
    /// <summary>Idempotent producer for commands: acks from all in-sync replicas, no duplicates on retry.</summary>
    public static ProducerConfig CommandProducer(string bootstrapServers) => KafkaClientProperties.AppliedTo(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 1,
        MessageTimeoutMs = 30_000,
    });

    /// <summary>A partition writer's transactional producer. The id is stable per partition, so a new
    /// owner's InitTransactions fences the old owner (a zombie) and aborts what it left open.</summary>
    public static ProducerConfig TransactionalProducer(string bootstrapServers, string transactionalId) => KafkaClientProperties.AppliedTo(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        TransactionalId = transactionalId,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 1,
        TransactionTimeoutMs = 30_000,
    });

    /// <summary>A consumer that sees only committed transactions and never commits on its own.</summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => KafkaClientProperties.AppliedTo(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        IsolationLevel = IsolationLevel.ReadCommitted,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 1_000,
        MaxPollIntervalMs = 300_000,
        // A decision crosses two consumers (commands -> writer, events -> edge). librdkafka's
        // default fetch wait (500 ms) adds up to that to each hop wherever a broker does not
        // answer a waiting fetch as soon as data arrives (librdkafka's mock cluster does not).
        FetchWaitMaxMs = FetchWaitMaxMsDefault,
    });

    public const int FetchWaitMaxMsDefault = 10;
}
