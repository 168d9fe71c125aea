using System.Runtime.InteropServices;
using Ledger.Kafka;

// A local Kafka for development and tests: librdkafka's mock cluster, which speaks the real Kafka
// protocol on loopback TCP ports but keeps everything in memory.
//   dotnet Ledger.LocalKafka.dll [--brokers 3] [--partitions 12] [--bootstrap-file .data/kafka.bootstrap]
//   [--topic NAME]... : more topics with as many partitions (./ledger bench measures the raw broker on one)
//   [--library system|bundled] : the librdkafka build the cluster runs in (default: the cheaper one measured)

var options = LocalKafkaOptions.Parse(args);
if (options.Error is { } error)
{
    Console.Error.WriteLine($"ledger-local-kafka: {error}");
    Console.Error.WriteLine("usage: Ledger.LocalKafka [--brokers N (1-10, default 3)] [--partitions N (1-1024, default 12)] [--bootstrap-file PATH] [--topic NAME]... [--library system|bundled]");
    return 2;
}

using var cluster = new MockCluster(options.Brokers, options.Library);
var topics = new KafkaOptions { Partitions = options.Partitions };
foreach (var topic in topics.Topics.Concat(options.ExtraTopics))
    cluster.CreateTopic(topic, options.Partitions, replicationFactor: Math.Min(3, options.Brokers));

Console.WriteLine($"Local Kafka: librdkafka's mock cluster (librdkafka {cluster.LibraryVersion}, {options.Library} build). It keeps everything in memory: nothing survives this process.");
Console.WriteLine($"Local Kafka: {options.Brokers} brokers, topics {string.Join(", ", topics.Topics)} with {options.Partitions} partitions each" +
    (options.ExtraTopics.Count > 0 ? $"; also {string.Join(", ", options.ExtraTopics)}" : ""));
if (options.BootstrapFile is { } file)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    var temporary = file + ".tmp";
    File.WriteAllText(temporary, cluster.BootstrapServers + "\n");
    File.Move(temporary, file, overwrite: true); // readers never see a half-written file
}
Console.WriteLine($"Local Kafka ready at {cluster.BootstrapServers}");

var stop = new TaskCompletionSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
await stop.Task;
if (options.BootstrapFile is { } written) File.Delete(written);
Console.WriteLine("Local Kafka stopped; its data is gone.");
return 0;

internal sealed record LocalKafkaOptions(int Brokers, int Partitions, string? BootstrapFile, string? Error)
{
    public IReadOnlyList<string> ExtraTopics { get; init; } = [];
    public MockClusterLibrary Library { get; init; } = MockClusterLibrary.Default;

    public const int BrokersDefault = 3;
    public const int BrokersMax = 10;

    public static LocalKafkaOptions Parse(string[] args)
    {
        var result = new LocalKafkaOptions(BrokersDefault, KafkaOptions.PartitionsDefault, null, null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            result = args[i] switch
            {
                "--brokers" when int.TryParse(value, out var n) && n is >= 1 and <= BrokersMax => result with { Brokers = n },
                "--partitions" when int.TryParse(value, out var n) && n is >= 1 and <= KafkaOptions.PartitionsMax => result with { Partitions = n },
                "--bootstrap-file" when !string.IsNullOrWhiteSpace(value) => result with { BootstrapFile = value },
                "--topic" when !string.IsNullOrWhiteSpace(value) => result with { ExtraTopics = [.. result.ExtraTopics, value] },
                "--library" when value is "system" or "bundled" => result with { Library = MockClusterLibraries.Parse(value) },
                _ => result with { Error = $"bad argument '{args[i]}' {value}".TrimEnd() },
            };
            if (result.Error is not null) return result;
            i++;
        }
        return result;
    }
}
