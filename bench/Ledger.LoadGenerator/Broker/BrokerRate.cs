using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Orders;
using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.LoadGenerator.Broker;

/// <summary>
/// The transport's own limit: records the size of an encoded command, keyed by user over every
/// partition, produced as fast as the client takes them (idempotent, acks=all, the ledger's command
/// producer settings) while one consumer (read_committed, the ledger's consumer settings) reads them
/// back. The rate is records consumed per second, from the first produce to the last record read.
/// </summary>
public static class BrokerRate
{
    public sealed record Result(int Records, int RecordBytes, int Partitions, double Seconds, double RecordsPerSecond, double ProducedPerSecond);

    /// <summary>The size of an order placement as the edge encodes it: a typical command record.</summary>
    public static int CommandRecordBytes()
    {
        var request = new Request(Guid.CreateVersion7(), "u1234", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef");
        var order = new PlaceOrder(request, Guid.CreateVersion7().ToString(), "BTC-USD", Side.Buy, 10_000, 1_000_000);
        return new CommandCodec(AssetCatalog.Default).Encode(order).Length;
    }

    public static Result Measure(string bootstrap, string topic, int partitions, int records, int recordBytes, TimeSpan deadline)
    {
        var value = new byte[recordBytes];
        Random.Shared.NextBytes(value);
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(bootstrap, $"bench-raw-{Guid.NewGuid():N}")).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p =>
        {
            var topicPartition = new TopicPartition(topic, p);
            return new TopicPartitionOffset(topicPartition, consumer.QueryWatermarkOffsets(topicPartition, TimeSpan.FromSeconds(10)).High);
        }));
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(bootstrap)).Build();

        var consumed = 0;
        var clock = Stopwatch.StartNew();
        var reading = Task.Factory.StartNew(() =>
        {
            while (consumed < records && clock.Elapsed < deadline)
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null }) consumed++;
        }, TaskCreationOptions.LongRunning);

        long failed = 0;
        for (var i = 0; i < records; i++)
        {
            var key = $"u{i % 10_000}";
            var message = new Message<string, byte[]> { Key = key, Value = value };
            var partition = new TopicPartition(topic, UserPartitioner.PartitionOf(key, partitions));
            while (true)
            {
                try
                {
                    producer.Produce(partition, message, report => { if (report.Error.IsError) Interlocked.Increment(ref failed); });
                    break;
                }
                catch (ProduceException<string, byte[]> error) when (error.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1)); // the client's queue is full: let deliveries drain
                }
            }
        }
        producer.Flush(deadline);
        var produced = clock.Elapsed.TotalSeconds;
        reading.Wait();
        var seconds = clock.Elapsed.TotalSeconds;
        if (failed > 0 || consumed < records)
            throw new InvalidOperationException($"broker measurement incomplete: {failed} produce failures, {consumed} of {records} consumed");
        return new Result(records, recordBytes, partitions, seconds, records / seconds, records / produced);
    }
}
