using Ledger.Kafka;

namespace Ledger.Tests.Support;

/// <summary>A fresh Kafka-protocol cluster (librdkafka's mock) with the ledger's topics, owned by the
/// test process and reached over loopback TCP by the Ledger processes the test starts.</summary>
public sealed class TestKafka : IDisposable
{
    public TestKafka(int brokers = 3, int partitions = 12)
    {
        Cluster = new MockCluster(brokers);
        Options = new KafkaOptions { BootstrapServers = Cluster.BootstrapServers, Partitions = partitions };
        foreach (var topic in Options.Topics) Cluster.CreateTopic(topic, partitions, Math.Min(3, brokers));
    }

    public MockCluster Cluster { get; }
    public KafkaOptions Options { get; }
    public string BootstrapServers => Cluster.BootstrapServers;

    public void Dispose() => Cluster.Dispose();
}
