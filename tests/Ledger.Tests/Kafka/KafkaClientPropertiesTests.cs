using Ledger.Kafka;
using Xunit;

namespace Ledger.Tests.Kafka;

/// <summary>The deployment's librdkafka properties (Kafka:Client:*): librdkafka itself judges them at
/// start-up, without connecting anywhere, and a refusal names the property.</summary>
public sealed class KafkaClientPropertiesTests
{
    [Fact]
    public void sasl_over_tls_with_scram_is_accepted_without_connecting()
    {
        var problem = KafkaClientProperties.Problem(new Dictionary<string, string>
        {
            ["security.protocol"] = "SASL_SSL",
            ["sasl.mechanism"] = "SCRAM-SHA-512",
            ["sasl.username"] = "ledger",
            ["sasl.password"] = "not-a-real-secret",
            ["client.id"] = "ledger-api",
        });
        Assert.Null(problem);
    }

    [Fact]
    public void an_unknown_property_is_refused_by_name()
    {
        var problem = KafkaClientProperties.Problem(new Dictionary<string, string> { ["sasl.pasword"] = "x" });
        Assert.NotNull(problem);
        Assert.Contains("sasl.pasword", problem);
    }

    [Fact]
    public void a_bad_value_is_refused_naming_the_property()
    {
        var problem = KafkaClientProperties.Problem(new Dictionary<string, string> { ["security.protocol"] = "SASL_TLS" });
        Assert.NotNull(problem);
        Assert.Contains("security.protocol", problem);
        Assert.Contains("SASL_TLS", problem);
    }

    [Fact]
    public void a_client_certificate_that_cannot_be_read_is_refused_naming_the_property()
    {
        var problem = KafkaClientProperties.Problem(new Dictionary<string, string>
        {
            ["security.protocol"] = "SSL",
            ["ssl.certificate.location"] = "/nonexistent/ledger-client.pem",
            ["ssl.key.location"] = "/nonexistent/ledger-client.key",
        });
        Assert.NotNull(problem);
        Assert.Contains("ssl.", problem);
    }

    [Theory]
    [InlineData("enable.idempotence")]
    [InlineData("isolation.level")]
    [InlineData("enable.auto.commit")]
    [InlineData("transactional.id")]
    [InlineData("bootstrap.servers")]
    [InlineData("acks")]
    public void a_property_the_ledger_sets_itself_is_refused(string name)
    {
        var options = new KafkaOptions { BootstrapServers = "kafka:9092", Client = { [name] = "x" } };
        Assert.Contains(options.Errors(), error => error.Contains($"Kafka:Client:{name}") && error.Contains("set by the ledger itself"));
    }

    [Fact]
    public void every_client_config_the_ledger_makes_takes_the_deployment_properties()
    {
        // KafkaClientProperties.Current is empty in this process (nothing calls Use here), so the
        // ledger's own factories are checked through the same function they all end in.
        var deployment = new Dictionary<string, string> { ["client.id"] = "ledger-check", ["security.protocol"] = "SASL_SSL" };
        Assert.Empty(KafkaClientProperties.Current);
        foreach (var config in new Confluent.Kafka.ClientConfig[]
                 {
                     KafkaClients.CommandProducer("kafka:9092"), KafkaClients.TransactionalProducer("kafka:9092", "t"),
                     KafkaClients.Consumer("kafka:9092", "g"),
                 })
        {
            var applied = KafkaClientProperties.AppliedTo(config, deployment);
            Assert.Equal("ledger-check", applied.Get("client.id"));
            Assert.Equal("SASL_SSL", applied.Get("security.protocol"));
            Assert.Equal("kafka:9092", applied.BootstrapServers);
        }
    }

    [Fact]
    public void a_secret_is_read_from_its_file_without_the_trailing_line_break()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "s3cret\n");
        try
        {
            var options = new KafkaOptions { BootstrapServers = "kafka:9092", ClientSecretFiles = { ["sasl.password"] = file } };
            Assert.Empty(options.Errors());
            Assert.Equal("s3cret", options.ResolveClientProperties()["sasl.password"]);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void a_secret_file_that_does_not_exist_or_a_property_given_twice_is_refused()
    {
        var options = new KafkaOptions
        {
            BootstrapServers = "kafka:9092",
            Client = { ["sasl.password"] = "x" },
            ClientSecretFiles = { ["sasl.password"] = "/nonexistent/kafka-password" },
        };
        var errors = options.Errors();
        Assert.Contains(errors, error => error.Contains("Kafka:ClientSecretFiles:sasl.password") && error.Contains("does not exist"));
        Assert.Contains(errors, error => error.Contains("both set"));
    }
}
