using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>The client settings the ledger relies on, in one place: explicit, never library defaults
/// where correctness depends on them. Timeouts and reconnect backoff: <see cref="KafkaTimeouts"/>. Each also
/// takes the deployment's own properties (TLS, SASL, client.id: <see cref="KafkaClientProperties"/>).</summary>
public static class KafkaClients
{
    /// <summary>Idempotent producer for commands: acks from all in-sync replicas, no duplicates on retry.</summary>
    public static ProducerConfig CommandProducer(string bootstrapServers) => KafkaClientProperties.AppliedTo(KafkaTimeouts.Apply(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 1,
        MessageTimeoutMs = 30_000,
    }));

    /// <summary>The writer's transactional producer (one per process, for all its partitions). Its id names
    /// the writer instance: the same instance started again fences its previous run and aborts what that
    /// left open. A writer elsewhere that lost its partitions is fenced by the group generation its
    /// offsets carry (KIP-447), which librdkafka's mock cluster does not check (docs/soak.md).</summary>
    public static ProducerConfig TransactionalProducer(string bootstrapServers, string transactionalId) => KafkaClientProperties.AppliedTo(KafkaTimeouts.Apply(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        TransactionalId = transactionalId,
        EnableIdempotence = true,
        Acks = Acks.All,
        // The commit's flush sends at once, whatever the linger: a long one only keeps the records of
        // a batch from going out in many small requests while the writer is still deciding it, so they
        // go at the commit, one request per broker (docs/benchmarks.md, "The writer's transaction").
        LingerMs = TransactionalLingerMs,
        // Delivery reports are served by the thread that commits, inside the commit's flush. With
        // Confluent.Kafka's background poll thread serving them instead, librdkafka's flush sleeps up
        // to 10 ms after the last one before it sees that none is left: that was most of each commit.
        EnableBackgroundPoll = false,
        TransactionTimeoutMs = 30_000,
    }));

    /// <summary>Longer than any batch takes to decide, and far shorter than the transaction timeout.</summary>
    public const int TransactionalLingerMs = 100;

    /// <summary>A consumer that sees only committed transactions and never commits on its own.</summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => KafkaClientProperties.AppliedTo(KafkaTimeouts.Apply(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        IsolationLevel = IsolationLevel.ReadCommitted,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        MaxPollIntervalMs = 300_000,
        // A decision crosses two consumers (commands -> writer, events -> edge). librdkafka's
        // default fetch wait (500 ms) adds up to that to each hop wherever a broker does not
        // answer a waiting fetch as soon as data arrives (librdkafka's mock cluster does not).
        FetchWaitMaxMs = FetchWaitMaxMsDefault,
    }));

    public const int FetchWaitMaxMsDefault = 10;
}
