using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Kafka;
using Ledger.LoadGenerator.Load;

namespace Ledger.LoadGenerator.Broker;

/// <summary>
/// What one Kafka transaction of the partition writer costs on a broker, step by step, with the
/// writer's own producer settings: begin and produce one record to each partition, send a consumed
/// offset, commit. The writer waits for one commit per batch, so the commit's time bounds its latency.
/// With <c>backgroundPoll</c>, the same with the settings the writer had before (Confluent.Kafka's poll
/// thread serving delivery reports, linger 1 ms), so that the two are measured side by side. With
/// <c>onePartition</c>, the same records all go to partition 0: what spreading one batch over the
/// partitions costs (a record batch and a commit marker per partition, a request per leader broker),
/// in CPU of this client and of the local Kafka as well as in time.
/// </summary>
public static class TransactionCommit
{
    public sealed record Result(string Library, bool BackgroundPoll, bool OnePartition, int Transactions, int Partitions,
        double ProduceMs, double SendOffsetsMs, double CommitMs, double ClientCpuMs, double KafkaCpuMs);

    public const int WarmUpTransactions = 5;

    public static Result Measure(string bootstrap, string library, string topic, int partitions, int transactions, string offsetsTopic,
        bool backgroundPoll, bool onePartition, int? kafkaPid)
    {
        var config = KafkaClients.TransactionalProducer(bootstrap, $"bench-transactions-{Guid.NewGuid():N}");
        if (backgroundPoll)
        {
            config.EnableBackgroundPoll = true;
            config.LingerMs = 1;
        }
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(bootstrap, $"bench-transactions-{Guid.NewGuid():N}")).Build();
        var value = new byte[BrokerRate.CommandRecordBytes()];
        double produce = 0, offsets = 0, commit = 0, clientCpu = 0, kafkaCpu = 0;
        for (var i = 0; i < WarmUpTransactions + transactions; i++)
        {
            if (i == WarmUpTransactions) (clientCpu, kafkaCpu) = (ProcessCpu.OwnSeconds(Environment.ProcessId), KafkaSeconds(kafkaPid));
            var started = Stopwatch.GetTimestamp();
            producer.BeginTransaction();
            for (var partition = 0; partition < partitions; partition++)
                producer.Produce(new TopicPartition(topic, onePartition ? 0 : partition), new Message<string, byte[]> { Key = "k", Value = value });
            var produced = Stopwatch.GetTimestamp();
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(offsetsTopic, 0, i + 1)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
            var sent = Stopwatch.GetTimestamp();
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
            if (i < WarmUpTransactions) continue;
            produce += Stopwatch.GetElapsedTime(started, produced).TotalMilliseconds;
            offsets += Stopwatch.GetElapsedTime(produced, sent).TotalMilliseconds;
            commit += Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
        }
        clientCpu = ProcessCpu.OwnSeconds(Environment.ProcessId) - clientCpu;
        kafkaCpu = KafkaSeconds(kafkaPid) - kafkaCpu;
        return new Result(library, backgroundPoll, onePartition, transactions, partitions, produce / transactions, offsets / transactions,
            commit / transactions, clientCpu * 1000 / transactions, kafkaCpu * 1000 / transactions);
    }

    /// <summary>The local Kafka's CPU seconds so far (0 when its process is not given: then not measured).</summary>
    private static double KafkaSeconds(int? pid) => pid is { } id ? ProcessCpu.OwnSeconds(id) : 0;
}
