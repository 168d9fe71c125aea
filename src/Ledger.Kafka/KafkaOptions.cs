namespace Ledger.Kafka;

/// <summary>Where Kafka is and how the ledger's topics are laid out. Bound from the "Kafka"
/// section (environment: Kafka__BootstrapServers, ...) and validated at start-up.</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";
    public const int PartitionsDefault = 12;
    public const int PartitionsMax = 1024;

    /// <summary>host:port[,host:port]. Empty when <see cref="BootstrapServersFile"/> names a file
    /// written by the local broker (src/Ledger.LocalKafka).</summary>
    public string BootstrapServers { get; set; } = "";
    public string BootstrapServersFile { get; set; } = "";

    /// <summary>Partitions of every ledger topic. Commands and events share the partitioning:
    /// a user's commands and events are on the same partition number.</summary>
    public int Partitions { get; set; } = PartitionsDefault;

    public string CommandsTopic { get; set; } = "ledger.commands";
    public string EventsTopic { get; set; } = "ledger.events";

    /// <summary>The writer's answers to commands that decided nothing new (a repeated idempotency key).</summary>
    public string RepliesTopic { get; set; } = "ledger.replies";

    /// <summary>Commands that cannot be decoded, with the reason in a header; they never block a partition.</summary>
    public string DeadLetterTopic { get; set; } = "ledger.dead-letter";

    public string WriterGroup { get; set; } = "ledger-writer";
    public string ProjectorGroup { get; set; } = "ledger-projector";

    /// <summary>librdkafka properties every client of the process takes, named as librdkafka names
    /// them (Kafka:Client:security.protocol; environment Kafka__Client__security.protocol): TLS,
    /// SASL, client.id and the like. Checked by librdkafka at start-up.</summary>
    public Dictionary<string, string> Client { get; set; } = [];

    /// <summary>librdkafka properties whose value is the content of a file (Kafka:ClientSecretFiles:sasl.password
    /// = /run/secrets/kafka-password), so secrets need not be in the environment. One trailing line
    /// break is dropped.</summary>
    public Dictionary<string, string> ClientSecretFiles { get; set; } = [];

    /// <summary>Largest file <see cref="ClientSecretFiles"/> may name: a secret, not a document.</summary>
    public const int ClientSecretFileBytesMax = 64 * 1024;

    public IEnumerable<string> Topics => [CommandsTopic, EventsTopic, RepliesTopic, DeadLetterTopic];

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(BootstrapServers) && string.IsNullOrWhiteSpace(BootstrapServersFile))
            errors.Add("Kafka:BootstrapServers or Kafka:BootstrapServersFile is required");
        if (Partitions is < 1 or > PartitionsMax)
            errors.Add($"Kafka:Partitions must be between 1 and {PartitionsMax}");
        foreach (var topic in Topics.Where(string.IsNullOrWhiteSpace))
            errors.Add("Kafka topic names must not be empty");
        if (Topics.Distinct().Count() != Topics.Count()) errors.Add("Kafka topic names must differ");
        foreach (var name in Client.Keys.Intersect(ClientSecretFiles.Keys))
            errors.Add($"Kafka:Client:{name} and Kafka:ClientSecretFiles:{name} are both set: keep one");
        foreach (var (name, path) in ClientSecretFiles)
        {
            if (!File.Exists(path)) errors.Add($"Kafka:ClientSecretFiles:{name} names {path}, which does not exist");
            else if (new FileInfo(path).Length > ClientSecretFileBytesMax)
                errors.Add($"Kafka:ClientSecretFiles:{name} names {path}, larger than {ClientSecretFileBytesMax} bytes");
        }
        foreach (var name in Client.Keys.Concat(ClientSecretFiles.Keys).Where(KafkaClientProperties.OwnedByTheLedger.Contains))
            errors.Add($"Kafka:Client:{name} is set by the ledger itself and cannot be configured");
        return errors;
    }

    /// <summary>The deployment's client properties, secrets read from their files.</summary>
    public IReadOnlyDictionary<string, string> ResolveClientProperties()
    {
        var properties = new Dictionary<string, string>(Client, StringComparer.Ordinal);
        foreach (var (name, path) in ClientSecretFiles)
        {
            var value = File.ReadAllText(path);
            properties[name] = value.EndsWith("\r\n", StringComparison.Ordinal) ? value[..^2]
                : value.EndsWith('\n') ? value[..^1] : value;
        }
        return properties;
    }

    /// <summary>Resolves the client properties, has librdkafka check them, and makes every client of
    /// this process take them (<see cref="KafkaClientProperties.Use"/>). Hosts call it at start-up.</summary>
    public void UseClientProperties() => KafkaClientProperties.Use(ResolveClientProperties());

    /// <summary>The bootstrap servers, read from the file when only the file is configured.</summary>
    public string ResolveBootstrapServers()
    {
        if (!string.IsNullOrWhiteSpace(BootstrapServers)) return BootstrapServers;
        if (!File.Exists(BootstrapServersFile))
            throw new InvalidOperationException($"Kafka bootstrap file {BootstrapServersFile} does not exist: is the local Kafka running?");
        var servers = File.ReadAllText(BootstrapServersFile).Trim();
        if (servers.Length == 0) throw new InvalidOperationException($"Kafka bootstrap file {BootstrapServersFile} is empty");
        return servers;
    }
}

/// <summary>The Kafka bootstrap servers this process resolved at start-up.</summary>
public sealed record BootstrapServers(string Value);
