using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Kafka.Contracts;

namespace Ledger.Benchmarks;

/// <summary>
/// How long a partition writer takes to rebuild its state from ledger.events, as it does on every
/// assignment: read the partition to its end, decode every event, evolve it into a fresh state.
/// Measured side by side with the transport alone (read only) and read + decode, on librdkafka's
/// mock cluster over loopback TCP, in one run.
/// </summary>
public static class RecoveryMeasurement
{
    public const int EventCountDefault = 1_000_000;
    private const string Topic = "ledger.events";

    public static void Measure(TextWriter output, int eventCount)
    {
        KafkaNativeLibrary.Use();
        using var cluster = new MockCluster(brokerCount: 1);
        cluster.CreateTopic(Topic, partitions: 1, replicationFactor: 1);
        var codec = new EventCodec(Domain.Assets.AssetCatalog.Default);

        var clock = Stopwatch.StartNew();
        var records = EncodedEvents(codec, eventCount);
        output.WriteLine($"generated and encoded {records.Count:N0} events in {clock.Elapsed.TotalSeconds:0.0} s " +
                         $"({records.Sum(r => (long)r.Length) / records.Count} bytes each on average)");
        clock.Restart();
        Produce(cluster.BootstrapServers, records);
        output.WriteLine($"produced them to one partition in {clock.Elapsed.TotalSeconds:0.0} s");

        var partition = new TopicPartition(Topic, 0);
        long readCount = 0;
        var read = Time(() => readCount = ReadAll(cluster.BootstrapServers, partition, _ => { }));
        if (readCount != records.Count)
            throw new InvalidOperationException($"the partition holds {readCount:N0} records, {records.Count:N0} were produced");
        var decoded = Time(() => ReadAll(cluster.BootstrapServers, partition, record => codec.Decode(record.Message.Value)));
        LedgerState? state = null;
        var recovered = Time(() =>
        {
            state = new LedgerState();
            var rebuilt = state;
            ReadAll(cluster.BootstrapServers, partition, record => LedgerDecider.Evolve(rebuilt, codec.Decode(record.Message.Value).Event));
        });

        output.WriteLine();
        output.WriteLine($"| step ({records.Count:N0} events, one partition) | seconds | events/s | vs read only |");
        output.WriteLine("| --- | ---: | ---: | ---: |");
        Row(output, "read to the end (transport alone)", read, records.Count, read);
        Row(output, "read + decode JSON", decoded, records.Count, read);
        Row(output, "read + decode + evolve (recovery)", recovered, records.Count, read);
        output.WriteLine();
        output.WriteLine($"state after recovery: {state!.AccountCount:N0} accounts, {state.Requests.Count:N0} remembered keys, " +
                         $"{state.EventsApplied:N0} events applied");
    }

    private static List<byte[]> EncodedEvents(EventCodec codec, int eventCount)
    {
        var workload = Workload.Generate(Math.Max(1, eventCount - Workload.UserCount * 2), seed: 7);
        var state = new LedgerState();
        var records = new List<byte[]>(eventCount);
        foreach (var @event in workload.Opening) Append(@event);
        for (var i = 0; i < workload.Commands.Length && records.Count < eventCount; i++)
            foreach (var @event in LedgerDecider.Decide(workload.Commands[i], state, workload.Times[i])) Append(@event);
        return records;

        void Append(LedgerEvent @event)
        {
            LedgerDecider.Evolve(state, @event);
            records.Add(codec.Encode(new EventMessage(@event, LedgerDecider.BalancesAfter(state, @event))));
        }
    }

    private static void Produce(string bootstrapServers, List<byte[]> records)
    {
        var config = KafkaClients.CommandProducer(bootstrapServers);
        config.LingerMs = 20;
        config.QueueBufferingMaxMessages = 1_000_000;
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(Topic, 0);
        foreach (var record in records)
        {
            while (true)
            {
                try
                {
                    producer.Produce(partition, new Message<string, byte[]> { Key = "u", Value = record });
                    break;
                }
                catch (ProduceException<string, byte[]> error) when (error.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(100)); // let deliveries drain the client's queue
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(5));
    }

    private static long ReadAll(string bootstrapServers, TopicPartition partition, Action<ConsumeResult<string, byte[]>> onRecord) =>
        PartitionReader.ReadToEnd(bootstrapServers, partition, TimeSpan.FromSeconds(30), onRecord, CancellationToken.None);

    private static TimeSpan Time(Action action)
    {
        GC.Collect();
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    private static void Row(TextWriter output, string step, TimeSpan elapsed, int events, TimeSpan baseline) =>
        output.WriteLine($"| {step} | {elapsed.TotalSeconds:0.00} | {events / elapsed.TotalSeconds:N0} | {elapsed / baseline:0.00}x |");
}
