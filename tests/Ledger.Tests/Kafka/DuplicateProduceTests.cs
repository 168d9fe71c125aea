using Confluent.Kafka;
using Ledger.Api.Writer;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Kafka;

/// <summary>
/// What a transactional producer's delivery reports say when the broker appended a produce request
/// but its answer was lost (the connection closed while the answer waited), so that the client sent
/// the request again and the broker acknowledged the retry as a duplicate: the records are on the log
/// once, at their real offsets, and their reports give other offsets. The writer must not label a
/// snapshot or a consistency token with those (<see cref="DeliveredEvents"/>).
/// </summary>
public sealed class DuplicateProduceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task a_retry_acknowledged_as_a_duplicate_reports_offsets_that_are_not_the_records_ones()
    {
        using var kafka = new TestKafka(brokers: 1, partitions: 1);
        const string topic = "duplicates";
        kafka.Cluster.CreateTopic(topic, 1, 1);
        var partition = new TopicPartition(topic, 0);
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.TransactionalProducer(kafka.BootstrapServers, "duplicates")).Build();
        producer.InitTransactions(Timeout);
        using var watcher = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(kafka.BootstrapServers, "duplicates-watch")).Build();

        // Ten records committed first, so that the real offsets are well past those reported.
        producer.BeginTransaction();
        for (var i = 0; i < 10; i++) producer.Produce(partition, new Message<string, byte[]> { Key = "k", Value = [(byte)i] });
        producer.CommitTransaction(Timeout);
        var before = watcher.QueryWatermarkOffsets(partition, Timeout).High.Value;

        var reported = new List<long>();
        producer.BeginTransaction();
        kafka.Cluster.DelayNextProduceAnswer(1, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 3; i++)
            producer.Produce(partition, new Message<string, byte[]> { Key = "k", Value = [(byte)(100 + i)] }, report =>
            {
                Assert.False(report.Error.IsError, report.Error.Reason);
                lock (reported) reported.Add(report.Offset.Value);
            });
        producer.Flush(TimeSpan.Zero);
        // The broker appends at once and holds its answer.
        await Eventually.Until(() => Task.FromResult(watcher.QueryWatermarkOffsets(partition, Timeout).High.Value >= before + 3),
            Timeout, "the three records appended");
        kafka.Cluster.SetBrokerDown(1); // the held answer goes with the connection
        kafka.Cluster.SetBrokerUp(1);
        producer.CommitTransaction(Timeout);

        using var reader = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(kafka.BootstrapServers, "duplicates-read")).Build();
        reader.Assign(new TopicPartitionOffset(partition, before));
        var onLog = new List<long>();
        while (onLog.Count < 3 && reader.Consume(Timeout) is { } record) onLog.Add(record.Offset.Value);
        output.WriteLine($"on the log at {string.Join(", ", onLog)}; reported at {string.Join(", ", reported)}");
        Assert.Equal([before, before + 1, before + 2], onLog);
        Assert.Equal(3, reported.Count);
        Assert.NotEqual(onLog, reported);

        // What the writer makes of them: no offset known for its latest event.
        var delivered = new DeliveredEvents(new LastEvent(before - 2, [9])); // the marker of the first commit at before - 1
        foreach (var offset in reported)
        {
            delivered.Produced();
            Assert.NotEqual(ReportedOffset.Known, delivered.Reported(offset, [0]));
        }
        Assert.Equal((true, (LastEvent?)null), delivered.Now());
    }
}
