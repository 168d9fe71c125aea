using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>
/// The deployment's own librdkafka properties (Kafka:Client:security.protocol, sasl.*, ssl.*,
/// client.id, ...), which every client the process builds through <see cref="KafkaClients"/> takes.
/// A host sets them once at start-up with <see cref="Use"/>, after librdkafka itself has accepted
/// them; a process that never calls it (a test, a benchmark, the local Kafka) builds plain clients.
/// Process-wide on purpose: a client built anywhere (a writer, the audit, a partition reader) then
/// cannot miss them.
/// </summary>
public static class KafkaClientProperties
{
    private static IReadOnlyDictionary<string, string>? _current;

    public static IReadOnlyDictionary<string, string> Current => _current ?? new Dictionary<string, string>();

    /// <summary>Properties the ledger sets itself in <see cref="KafkaClients"/> because its correctness
    /// or its measured behaviour depends on them: a deployment may not change them.</summary>
    public static IReadOnlySet<string> OwnedByTheLedger { get; } = new SortedSet<string>(
        new ClientConfig[]
            {
                KafkaClients.CommandProducer("check"), KafkaClients.TransactionalProducer("check", "check"),
                KafkaClients.Consumer("check", "check"),
            }
            .SelectMany(config => config.Select(property => property.Key))
            .Concat(["bootstrap.servers", "group.id", "transactional.id", "enable.idempotence", "isolation.level"]),
        StringComparer.Ordinal);

    /// <summary>Checks the properties with librdkafka itself and keeps them for every client built
    /// from now on. Throws, naming the property, when librdkafka refuses one.</summary>
    public static void Use(IReadOnlyDictionary<string, string> properties)
    {
        if (_current is not null && !_current.OrderBy(p => p.Key).SequenceEqual(properties.OrderBy(p => p.Key)))
            throw new InvalidOperationException("Kafka client properties are set once per process");
        var problem = Problem(properties);
        if (problem is not null) throw new InvalidOperationException($"Configuration is not valid: {problem}");
        _current = new Dictionary<string, string>(properties, StringComparer.Ordinal);
    }

    /// <summary>What librdkafka says about the properties, or null when it accepts them. It builds a
    /// producer and a consumer with them and without bootstrap servers, so nothing connects: an
    /// unknown name or a bad value fails there (rd_kafka_conf_set), and so do certificates and keys
    /// that cannot be read when TLS is on (rd_kafka_new builds its TLS context).</summary>
    public static string? Problem(IReadOnlyDictionary<string, string> properties)
    {
        foreach (var name in properties.Keys.Where(OwnedByTheLedger.Contains))
            return $"Kafka:Client:{name} is set by the ledger itself and cannot be configured";
        try
        {
            var producer = new ProducerConfig();
            var consumer = new ConsumerConfig { GroupId = "ledger-configuration-check" };
            foreach (var (name, value) in properties)
            {
                producer.Set(name, value);
                consumer.Set(name, value);
            }
            using (new ProducerBuilder<Null, Null>(producer).SetLogHandler((_, _) => { }).Build()) { }
            using (new ConsumerBuilder<Null, Null>(consumer).SetLogHandler((_, _) => { }).Build()) { }
            return null;
        }
        catch (Exception error) when (error is KafkaException or ArgumentException or InvalidOperationException)
        {
            return $"Kafka:Client is refused by librdkafka: {error.Message}";
        }
    }

    /// <summary>Adds the deployment's properties to a config the ledger has made.</summary>
    internal static T AppliedTo<T>(T config) where T : ClientConfig => AppliedTo(config, Current);

    public static T AppliedTo<T>(T config, IReadOnlyDictionary<string, string> properties) where T : ClientConfig
    {
        foreach (var (name, value) in properties) config.Set(name, value);
        return config;
    }
}
