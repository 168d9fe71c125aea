using System.Runtime.InteropServices;
using System.Text;

namespace Ledger.Kafka;

/// <summary>
/// librdkafka's in-memory Kafka-protocol cluster, reached over real loopback TCP ports, so
/// every client (any process) speaks the real protocol to it. It keeps everything in memory:
/// nothing survives the process that owns it. Topics are created here because its CreateTopics
/// request is unreliable (6 partitions asked, 4 made).
/// The cluster runs inside whichever librdkafka build <see cref="MockClusterLibrary"/> names: the
/// clients always use the one Confluent.Kafka ships, and the cluster need not (see docs/benchmarks.md).
/// </summary>
public sealed unsafe class MockCluster : IDisposable
{
    private readonly Native _native;
    private IntPtr _handle;      // rd_kafka_t* that owns the cluster
    private IntPtr _cluster;     // rd_kafka_mock_cluster_t*

    public string BootstrapServers { get; }
    public int BrokerCount { get; }
    public MockClusterLibrary Library { get; }

    public MockCluster(int brokerCount, MockClusterLibrary library = MockClusterLibrary.Default)
    {
        if (brokerCount < 1) throw new ArgumentOutOfRangeException(nameof(brokerCount), "at least one broker");
        BrokerCount = brokerCount;
        Library = library;
        _native = Native.Load(library);
        var conf = _native.ConfNew();
        var error = new byte[512];
        // The owning handle never connects anywhere; keep its "no bootstrap.servers" warning quiet.
        _native.ConfSet(conf, "log_level", "3", error);
        _handle = _native.New(conf, error);
        if (_handle == IntPtr.Zero) throw new InvalidOperationException($"rd_kafka_new failed: {Text(error)}");
        _cluster = _native.MockClusterNew(_handle, brokerCount);
        if (_cluster == IntPtr.Zero) throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        BootstrapServers = Marshal.PtrToStringUTF8(_native.MockClusterBootstraps(_cluster))
            ?? throw new InvalidOperationException("mock cluster has no bootstrap address");
    }

    /// <summary>The version of the librdkafka build the cluster runs in, e.g. "2.0.2".</summary>
    public string LibraryVersion => Marshal.PtrToStringUTF8(_native.VersionString()) ?? "?";

    public void CreateTopic(string topic, int partitions, int replicationFactor) =>
        Check(_native.TopicCreate(_cluster, topic, partitions, replicationFactor), $"creating topic {topic}");

    public void SetBrokerDown(int brokerId) => Check(_native.BrokerSetDown(_cluster, brokerId), "broker down");
    public void SetBrokerUp(int brokerId) => Check(_native.BrokerSetUp(_cluster, brokerId), "broker up");

    /// <summary>Delays the broker's answer to its next produce request by <paramref name="delay"/>; the
    /// request itself is handled (its records appended) when it arrives.</summary>
    public void DelayNextProduceAnswer(int brokerId, TimeSpan delay) =>
        Check(_native.BrokerPushRequestErrorRtt(_cluster, brokerId, ProduceApiKey, error: 0, (int)delay.TotalMilliseconds), "delay produce answer");

    private const short ProduceApiKey = 0;

    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(_native.PartitionSetLeader(_cluster, topic, partition, brokerId), "set leader");

    private static void Check(int result, string what)
    {
        if (result != 0) throw new InvalidOperationException($"mock cluster {what} failed: error {result}");
    }

    private static string Text(byte[] buffer) => Encoding.UTF8.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero) _native.MockClusterDestroy(_cluster);
        if (_handle != IntPtr.Zero) _native.Destroy(_handle);
        _cluster = IntPtr.Zero;
        _handle = IntPtr.Zero;
    }

    /// <summary>The few librdkafka functions the cluster needs, bound at run time to the chosen build.</summary>
    private sealed class Native
    {
        private readonly delegate* unmanaged<IntPtr> _confNew;
        private readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> _confSet;
        private readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> _new;
        private readonly delegate* unmanaged<IntPtr, void> _destroy;
        private readonly delegate* unmanaged<IntPtr> _versionString;
        private readonly delegate* unmanaged<IntPtr, int, IntPtr> _mockClusterNew;
        private readonly delegate* unmanaged<IntPtr, void> _mockClusterDestroy;
        private readonly delegate* unmanaged<IntPtr, IntPtr> _mockClusterBootstraps;
        private readonly delegate* unmanaged<IntPtr, byte*, int, int, int> _topicCreate;
        private readonly delegate* unmanaged<IntPtr, int, int> _brokerSetDown;
        private readonly delegate* unmanaged<IntPtr, int, int> _brokerSetUp;
        private readonly delegate* unmanaged<IntPtr, byte*, int, int, int> _partitionSetLeader;
        // rd_kafka_mock_broker_push_request_error_rtts is variadic, (err, rtt_ms) ints per entry: one
        // entry, passed as fixed arguments (the x86-64 System V convention passes both alike).
        private readonly delegate* unmanaged<IntPtr, int, short, nuint, int, int, int> _brokerPushRequestErrorRtts;

        private Native(IntPtr library)
        {
            IntPtr F(string name) => NativeLibrary.GetExport(library, name);
            _confNew = (delegate* unmanaged<IntPtr>)F("rd_kafka_conf_new");
            _confSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)F("rd_kafka_conf_set");
            _new = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)F("rd_kafka_new");
            _destroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_destroy");
            _versionString = (delegate* unmanaged<IntPtr>)F("rd_kafka_version_str");
            _mockClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)F("rd_kafka_mock_cluster_new");
            _mockClusterDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_mock_cluster_destroy");
            _mockClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)F("rd_kafka_mock_cluster_bootstraps");
            _topicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)F("rd_kafka_mock_topic_create");
            _brokerSetDown = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_mock_broker_set_down");
            _brokerSetUp = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_mock_broker_set_up");
            _partitionSetLeader = (delegate* unmanaged<IntPtr, byte*, int, int, int>)F("rd_kafka_mock_partition_set_leader");
            _brokerPushRequestErrorRtts = (delegate* unmanaged<IntPtr, int, short, nuint, int, int, int>)F("rd_kafka_mock_broker_push_request_error_rtts");
        }

        public static Native Load(MockClusterLibrary library) => new(NativeLibrary.Load(MockClusterLibraries.PathOf(library)));

        public IntPtr ConfNew() => _confNew();

        public void ConfSet(IntPtr conf, string name, string value, byte[] error)
        {
            fixed (byte* n = Utf8(name), v = Utf8(value), e = error)
                if (_confSet(conf, n, v, e, (nuint)error.Length) != 0)
                    throw new InvalidOperationException($"rd_kafka_conf_set {name} failed: {Text(error)}");
        }

        public IntPtr New(IntPtr conf, byte[] error)
        {
            fixed (byte* e = error) return _new(0 /* RD_KAFKA_PRODUCER */, conf, e, (nuint)error.Length);
        }

        public void Destroy(IntPtr handle) => _destroy(handle);
        public IntPtr VersionString() => _versionString();
        public IntPtr MockClusterNew(IntPtr handle, int brokers) => _mockClusterNew(handle, brokers);
        public void MockClusterDestroy(IntPtr cluster) => _mockClusterDestroy(cluster);
        public IntPtr MockClusterBootstraps(IntPtr cluster) => _mockClusterBootstraps(cluster);

        public int TopicCreate(IntPtr cluster, string topic, int partitions, int replication)
        {
            fixed (byte* t = Utf8(topic)) return _topicCreate(cluster, t, partitions, replication);
        }

        public int BrokerSetDown(IntPtr cluster, int broker) => _brokerSetDown(cluster, broker);
        public int BrokerSetUp(IntPtr cluster, int broker) => _brokerSetUp(cluster, broker);
        public int BrokerPushRequestErrorRtt(IntPtr cluster, int broker, short apiKey, int error, int rttMs) =>
            _brokerPushRequestErrorRtts(cluster, broker, apiKey, 1, error, rttMs);

        public int PartitionSetLeader(IntPtr cluster, string topic, int partition, int broker)
        {
            fixed (byte* t = Utf8(topic)) return _partitionSetLeader(cluster, t, partition, broker);
        }

        private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
    }
}

/// <summary>Which librdkafka build the mock cluster runs in.</summary>
public enum MockClusterLibrary
{
    /// <summary>The one Ledger's measurements chose (see <see cref="MockClusterLibraries.Default"/>).</summary>
    Default,
    /// <summary>The operating system's librdkafka.so.1 (Debian 12's librdkafka1: 2.0.2; `apt-get install librdkafka1`).</summary>
    System,
    /// <summary>The build Confluent.Kafka ships and the clients use (librdkafka.redist).</summary>
    Bundled,
}

public static class MockClusterLibraries
{
    /// <summary>Measured side by side (docs/benchmarks.md, "The local Kafka's library"): a Kafka transaction
    /// of Confluent.Kafka 2.16 commits in about 6.5 ms on the 2.16 mock and 49 ms on Debian's 2.0.2 one,
    /// and the writer waits for one commit per batch.</summary>
    public const MockClusterLibrary Default = MockClusterLibrary.Bundled;

    public const string SystemLibraryName = "librdkafka.so.1";

    /// <summary>The path of the bundled build Confluent.Kafka loads on Linux x64: its default build
    /// needs libsasl2.so.3, which Debian 12 lacks, so Confluent.Kafka falls back to this one.</summary>
    public static string BundledLibraryPath => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so");

    public static string PathOf(MockClusterLibrary library) => (library == MockClusterLibrary.Default ? Default : library) switch
    {
        MockClusterLibrary.System => SystemLibraryName,
        _ => BundledLibraryPath,
    };

    public static MockClusterLibrary Parse(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "default" => MockClusterLibrary.Default,
        "system" => MockClusterLibrary.System,
        "bundled" => MockClusterLibrary.Bundled,
        _ => throw new ArgumentException($"unknown mock cluster library '{name}' (system or bundled)"),
    };
}
