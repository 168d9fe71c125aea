using System.Runtime.InteropServices;
using System.Text;

namespace Ledger.Kafka;

/// <summary>
/// librdkafka's in-memory Kafka-protocol cluster, reached over real loopback TCP ports, so
/// every client (any process) speaks the real protocol to it. It keeps everything in memory:
/// nothing survives the process that owns it. Topics are created here because its
/// CreateTopics admin request is not supported (librdkafka 2.0.2).
/// </summary>
public sealed class MockCluster : IDisposable
{
    private IntPtr _handle;      // rd_kafka_t* that owns the cluster
    private IntPtr _cluster;     // rd_kafka_mock_cluster_t*

    public string BootstrapServers { get; }
    public int BrokerCount { get; }

    public MockCluster(int brokerCount)
    {
        if (brokerCount < 1) throw new ArgumentOutOfRangeException(nameof(brokerCount), "at least one broker");
        BrokerCount = brokerCount;
        var conf = Native.rd_kafka_conf_new();
        var error = new StringBuilder(512);
        // The owning handle never connects anywhere; keep its "no bootstrap.servers" warning quiet.
        Native.rd_kafka_conf_set(conf, "log_level", "3", error, (UIntPtr)error.Capacity);
        _handle = Native.rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, conf, error, (UIntPtr)error.Capacity);
        if (_handle == IntPtr.Zero) throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        _cluster = Native.rd_kafka_mock_cluster_new(_handle, brokerCount);
        if (_cluster == IntPtr.Zero) throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        BootstrapServers = Marshal.PtrToStringAnsi(Native.rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("mock cluster has no bootstrap address");
    }

    public void CreateTopic(string topic, int partitions, int replicationFactor)
    {
        var result = Native.rd_kafka_mock_topic_create(_cluster, topic, partitions, replicationFactor);
        if (result != 0) throw new InvalidOperationException($"creating topic {topic} failed: error {result}");
    }

    public void SetBrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(_cluster, brokerId), "broker down");
    public void SetBrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(_cluster, brokerId), "broker up");

    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(Native.rd_kafka_mock_partition_set_leader(_cluster, topic, partition, brokerId), "set leader");

    private static void Check(int result, string what)
    {
        if (result != 0) throw new InvalidOperationException($"mock cluster {what} failed: error {result}");
    }

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero) Native.rd_kafka_mock_cluster_destroy(_cluster);
        if (_handle != IntPtr.Zero) Native.rd_kafka_destroy(_handle);
        _cluster = IntPtr.Zero;
        _handle = IntPtr.Zero;
    }

    private static class Native
    {
        private const string Library = KafkaNativeLibrary.SystemLibraryName;

        [DllImport(Library)] public static extern IntPtr rd_kafka_conf_new();
        [DllImport(Library)] public static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);
        [DllImport(Library)] public static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);
        [DllImport(Library)] public static extern void rd_kafka_destroy(IntPtr rk);
        [DllImport(Library)] public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);
        [DllImport(Library)] public static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);
        [DllImport(Library)] public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);
        [DllImport(Library)] public static extern int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
        [DllImport(Library)] public static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);
        [DllImport(Library)] public static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);
        [DllImport(Library)] public static extern int rd_kafka_mock_partition_set_leader(IntPtr cluster, string topic, int partition, int brokerId);
    }
}
