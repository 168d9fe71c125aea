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
        return errors;
    }

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
