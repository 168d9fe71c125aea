using System.Text;
using Confluent.Kafka;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>A log whose start the broker deleted (here: the mock cluster keeps 5 MiB per partition)
/// is never rebuilt from, nor skipped over: the writer and the projector stop and say why.</summary>
public sealed class TruncatedLogTests
{
    [Fact]
    public async Task a_writer_and_a_projector_refuse_a_ledger_events_partition_missing_its_start()
    {
        using var kafka = new TestKafka(brokers: 1, partitions: 2);
        await using var postgres = await TestPostgres.Create();
        OverflowPartitionZero(kafka);
        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__Partitions"] = "2",
            ["Postgres__ConnectionString"] = postgres.ConnectionString,
            ["Auth__SigningKey"] = new TestTokens().SigningKey,
            ["Logging__Console__FormatterName"] = "simple",
        };

        await using var writer = LedgerProcess.Launch("Ledger.Api", environment);
        await using var projector = LedgerProcess.Launch("Ledger.Projector", environment);

        Assert.True(writer.WaitForExit(TimeSpan.FromSeconds(60)), $"the writer should stop\n{writer.Output}");
        Assert.NotEqual(0, writer.ExitCode);
        Assert.Contains("the broker deleted them", writer.Output);
        Assert.True(projector.WaitForExit(TimeSpan.FromSeconds(60)), $"the projector should stop\n{projector.Output}");
        Assert.NotEqual(0, projector.ExitCode);
        Assert.True(projector.Output.Contains("the broker deleted them"), projector.Output);
    }

    /// <summary>6 MiB into ledger.events partition 0, more than the mock keeps.</summary>
    private static void OverflowPartitionZero(TestKafka kafka)
    {
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(kafka.BootstrapServers)).Build();
        var filler = Encoding.UTF8.GetBytes(new string('x', 256 * 1024));
        for (var i = 0; i < 24; i++)
            producer.Produce(new TopicPartition(kafka.Options.EventsTopic, 0), new Message<string, byte[]> { Key = "filler", Value = filler });
        producer.Flush(TimeSpan.FromSeconds(30));
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(kafka.BootstrapServers, "check")).Build();
        var low = consumer.QueryWatermarkOffsets(new TopicPartition(kafka.Options.EventsTopic, 0), TimeSpan.FromSeconds(10)).Low.Value;
        Assert.True(low > 0, "the broker deleted the partition's first records");
    }
}
