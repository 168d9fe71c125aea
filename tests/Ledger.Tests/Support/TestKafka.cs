using Ledger.Kafka;

namespace Ledger.Tests.Support;

/// <summary>A fresh Kafka for one test, with the ledger's topics, reached over TCP by the Ledger
/// processes the test starts. Locally (the default) a cluster of librdkafka's mock owned by the
/// test process; with LEDGER_TEST_INFRASTRUCTURE=containers, topics and groups of the test's own
/// names on the run's Kafka container.</summary>
public sealed class TestKafka : IDisposable
{
    private readonly MockCluster? _cluster;

    public TestKafka(int brokers = 3, int partitions = 12)
    {
        if (TestInfrastructure.Selected == Infrastructure.Containers)
        {
            var prefix = $"t{Guid.NewGuid():N}"[..13];
            BootstrapServers = TestInfrastructure.ContainerKafkaBootstrap();
            Options = new KafkaOptions
            {
                BootstrapServers = BootstrapServers, Partitions = partitions,
                CommandsTopic = $"{prefix}.commands", EventsTopic = $"{prefix}.events",
                RepliesTopic = $"{prefix}.replies", DeadLetterTopic = $"{prefix}.dead-letter",
                WriterGroup = $"{prefix}-writer", ProjectorGroup = $"{prefix}-projector",
            };
            TestInfrastructure.CreateTopics(BootstrapServers, Options.Topics, partitions);
            return;
        }
        _cluster = new MockCluster(brokers);
        BootstrapServers = _cluster.BootstrapServers;
        Options = new KafkaOptions { BootstrapServers = BootstrapServers, Partitions = partitions };
        foreach (var topic in Options.Topics) _cluster.CreateTopic(topic, partitions, Math.Min(3, brokers));
    }

    /// <summary>The mock cluster, for tests that inject its faults (brokers down, leaders moved).</summary>
    public MockCluster Cluster => _cluster ?? throw new InvalidOperationException(
        "this test injects faults into librdkafka's mock cluster, which LEDGER_TEST_INFRASTRUCTURE=containers does not have");

    public KafkaOptions Options { get; }
    public string BootstrapServers { get; }

    /// <summary>What a Ledger process needs to find this Kafka's topics and groups.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["Kafka__BootstrapServers"] = BootstrapServers,
        ["Kafka__Partitions"] = Options.Partitions.ToString(),
        ["Kafka__CommandsTopic"] = Options.CommandsTopic,
        ["Kafka__EventsTopic"] = Options.EventsTopic,
        ["Kafka__RepliesTopic"] = Options.RepliesTopic,
        ["Kafka__DeadLetterTopic"] = Options.DeadLetterTopic,
        ["Kafka__WriterGroup"] = Options.WriterGroup,
        ["Kafka__ProjectorGroup"] = Options.ProjectorGroup,
    };

    public void Dispose() => _cluster?.Dispose();
}
