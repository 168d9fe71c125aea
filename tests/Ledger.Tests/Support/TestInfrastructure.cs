using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;
using Testcontainers.PostgreSql;

namespace Ledger.Tests.Support;

/// <summary>Where the integration suite's Kafka and PostgreSQL come from: LEDGER_TEST_INFRASTRUCTURE.</summary>
public enum Infrastructure
{
    /// <summary>The default: librdkafka's mock cluster in the test process, and the PostgreSQL
    /// server ./ledger test started (LEDGER_TEST_POSTGRES).</summary>
    Local,

    /// <summary>Testcontainers: one real Kafka (apache/kafka, KRaft) and one PostgreSQL 15 per test run,
    /// where a Docker engine is reachable.</summary>
    Containers,
}

public static class TestInfrastructure
{
    public const string Variable = "LEDGER_TEST_INFRASTRUCTURE";
    public const string KafkaImage = "apache/kafka:3.9.1"; // the image docker-compose.yml runs
    public const string PostgresImage = "postgres:15";

    private static readonly Lazy<Infrastructure> Chosen = new(() =>
    {
        var chosen = Parse(Environment.GetEnvironmentVariable(Variable));
        var problem = chosen == Infrastructure.Containers
            ? DockerEngineProblem(Environment.GetEnvironmentVariable("DOCKER_HOST"), File.Exists)
            : null;
        return problem is null ? chosen : throw new InvalidOperationException(problem);
    });

    public static Infrastructure Selected => Chosen.Value;

    public static Infrastructure Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "local" => Infrastructure.Local,
        "containers" => Infrastructure.Containers,
        _ => throw new InvalidOperationException(
            $"{Variable}={value} is not known: use local (the default: the local Kafka and this machine's PostgreSQL) " +
            $"or containers (Testcontainers: {KafkaImage} and {PostgresImage}, needs a Docker engine)"),
    };

    /// <summary>Why containers cannot run here, or null: Testcontainers reaches the engine through
    /// DOCKER_HOST, else the default socket.</summary>
    public static string? DockerEngineProblem(string? dockerHost, Func<string, bool> fileExists) =>
        !string.IsNullOrWhiteSpace(dockerHost) || fileExists("/var/run/docker.sock")
            ? null
            : $"{Variable}=containers needs a Docker engine: none at /var/run/docker.sock and DOCKER_HOST is not set " +
              $"(it must be able to pull {KafkaImage} and {PostgresImage})";

    private static readonly Lazy<Task<KafkaContainer>> Kafka = new(async () =>
    {
        var container = new KafkaBuilder(KafkaImage)
            .WithVendor(KafkaVendor.ApacheSoftwareFoundation)
            // One broker: the writers' transactions need their state topic with one replica.
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .Build();
        await container.StartAsync();
        return container;
    });

    private static readonly Lazy<Task<PostgreSqlContainer>> Postgres = new(async () =>
    {
        var container = new PostgreSqlBuilder(PostgresImage).Build();
        await container.StartAsync();
        return container;
    });

    /// <summary>The container Kafka's address, started on first use and shared by the run (Testcontainers'
    /// reaper removes it when the test process ends).</summary>
    public static string ContainerKafkaBootstrap() => Kafka.Value.GetAwaiter().GetResult().GetBootstrapAddress();

    /// <summary>A superuser connection string of the container PostgreSQL, for <see cref="TestPostgres"/>.</summary>
    public static async Task<string> ContainerPostgresAdmin() => (await Postgres.Value).GetConnectionString();

    /// <summary>Creates one test's topics on the container Kafka.</summary>
    public static void CreateTopics(string bootstrap, IEnumerable<string> topics, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        admin.CreateTopicsAsync(topics.Select(topic => new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }))
            .GetAwaiter().GetResult();
    }
}
