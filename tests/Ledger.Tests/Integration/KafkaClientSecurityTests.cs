using System.Text.RegularExpressions;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>Kafka:Client:* reaches the clients Ledger.Api and Ledger.Projector build, and a property
/// librdkafka does not accept stops either process at start-up with its name.</summary>
public sealed class KafkaClientSecurityTests
{
    [Fact]
    public async Task the_deployment_properties_reach_the_producers_and_consumers_of_both_processes()
    {
        var clientId = $"ledger-check-{Guid.NewGuid():N}"[..24];
        // client.id names each librdkafka instance (<client.id>#producer-1); with debug=generic each
        // one says so as it starts, on stderr, which the test reads.
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Kafka__Client__client.id"] = clientId,
            ["Kafka__Client__debug"] = "generic",
        });
        var deposit = await ledger.SendUntilDecided("/v1/deposits", new { userId = "carol", asset = "USD", amount = "5.00" },
            "client-properties", TimeSpan.FromSeconds(60));
        Assert.Equal(System.Net.HttpStatusCode.Created, deposit.Status);

        var api = Instances(ledger.Api!.Output);
        var projector = Instances(ledger.Projector!.Output);
        // The Api's command producer and writer's transactional producer; its writer, outcome and lag consumers.
        Assert.True(api.Count(name => name.StartsWith($"{clientId}#producer-", StringComparison.Ordinal)) >= 2, ledger.Logs);
        Assert.True(api.Count(name => name.StartsWith($"{clientId}#consumer-", StringComparison.Ordinal)) >= 3, ledger.Logs);
        Assert.Contains(projector, name => name.StartsWith($"{clientId}#consumer-", StringComparison.Ordinal));

        // A client built without the properties would log nothing above, so take the broker down:
        // every client then reports the lost connection under its own name, and none may be
        // librdkafka's default (rdkafka#...).
        ledger.Kafka.Cluster.SetBrokerDown(1);
        await Eventually.Until(() => Task.FromResult(ledger.Api.Output.Contains("|FAIL|") && ledger.Projector.Output.Contains("|FAIL|")),
            TimeSpan.FromSeconds(60), "both processes' clients report the broker down");
        var reporting = Instances(ledger.Api.Output).Concat(Instances(ledger.Projector.Output)).ToArray();
        Assert.DoesNotContain(reporting, name => !name.StartsWith($"{clientId}#", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Ledger.Api")]
    [InlineData("Ledger.Projector")]
    public async Task an_unknown_or_bad_property_stops_the_process_naming_it(string project)
    {
        using var kafka = new TestKafka(brokers: 1, partitions: 1);
        await using var postgres = await TestPostgres.Create();
        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__Partitions"] = "1",
            ["Postgres__ConnectionString"] = postgres.ConnectionString,
            ["Auth__SigningKey"] = new TestTokens().SigningKey,
        };

        await using var misspelt = LedgerProcess.Launch(project, new Dictionary<string, string>(environment) { ["Kafka__Client__sasl.pasword"] = "x" });
        Assert.True(misspelt.WaitForExit(TimeSpan.FromSeconds(60)), $"{project} should refuse to start\n{misspelt.Output}");
        Assert.NotEqual(0, misspelt.ExitCode);
        Assert.Contains("sasl.pasword", misspelt.Output);

        await using var badValue = LedgerProcess.Launch(project, new Dictionary<string, string>(environment) { ["Kafka__Client__security.protocol"] = "TLS" });
        Assert.True(badValue.WaitForExit(TimeSpan.FromSeconds(60)), $"{project} should refuse to start\n{badValue.Output}");
        Assert.NotEqual(0, badValue.ExitCode);
        Assert.Contains("security.protocol", badValue.Output);
    }

    [Fact]
    public async Task the_example_consumer_takes_the_same_properties_and_refuses_a_bad_one_naming_it()
    {
        var dll = Path.Combine(Repository.Root, "examples", "Ledger.Tail", "bin", Repository.Configuration, "net10.0", "Ledger.Tail.dll");
        foreach (var (name, value) in new[] { ("sasl.pasword", "x"), ("security.protocol", "TLS"), ("enable.idempotence", "false") })
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [dll, "--bootstrap", "127.0.0.1:1"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment = { [$"Kafka__Client__{name}"] = value },
            };
            using var tail = System.Diagnostics.Process.Start(start)!;
            var error = tail.StandardError.ReadToEndAsync();
            Assert.True(tail.WaitForExit(TimeSpan.FromSeconds(60)), "ledger tail should refuse to start");
            Assert.Equal(2, tail.ExitCode);
            Assert.Contains(name, await error);
        }
    }

    /// <summary>The librdkafka instance names in librdkafka's own log lines (level|time|facility|name| ...).</summary>
    private static HashSet<string> Instances(string output) =>
        Regex.Matches(output, @"\|[A-Z]+\|(?<name>[^|\s]+#(?:producer|consumer)-\d+)\|")
            .Select(match => match.Groups["name"].Value).ToHashSet();
}
