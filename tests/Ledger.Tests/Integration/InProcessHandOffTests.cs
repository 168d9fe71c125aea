using System.Net;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>
/// A command for a partition whose writer runs in the same process is handed to it in process
/// (Commands:DecideInProcess, on by default): it is never put on ledger.commands, it is answered once
/// its transaction has committed, and its event names no command offset. With the hand-off off, the
/// same command goes by ledger.commands, as from an edge without writers.
/// </summary>
public sealed class InProcessHandOffTests
{
    [Fact]
    public async Task a_command_for_a_local_writer_skips_the_command_log_and_is_answered_with_its_committed_event()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1);
        var body = new { userId = "handed", asset = "USD", amount = "3.00" };

        var first = await ledger.Send("/v1/deposits", body, "handed-1");
        var repeat = await ledger.Send("/v1/deposits", body, "handed-1");

        Assert.True(first.Status == HttpStatusCode.Created, $"{(int)first.Status} {first.Body}\n{ledger.Logs}");
        Assert.Equal(HttpStatusCode.Created, repeat.Status);
        Assert.Equal(first.Body.GetProperty("commandId").GetString(), repeat.Body.GetProperty("commandId").GetString());
        Assert.Equal("3.00", repeat.Body.GetProperty("balance").GetProperty("available").GetString());
        Assert.Equal(0, HighWatermarks(ledger, ledger.Kafka.Options.CommandsTopic));
        Assert.Equal(0, HighWatermarks(ledger, ledger.Kafka.Options.RepliesTopic)); // the repeat was answered in process
        var (events, offsets) = EventsOf(ledger, "handed");
        Assert.Equal(1, events);
        Assert.Empty(offsets);
        Assert.Equal(2, await HandedCommands(ledger));
        // Read committed: a consumer of ledger.events sees the event the caller was told about.
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events where user_id = 'handed'") == 1,
            TimeSpan.FromSeconds(30), $"the deposit is projected\n{ledger.Logs}");
    }

    [Fact]
    public async Task with_the_hand_off_off_the_same_command_goes_by_the_command_log()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1,
            environment: new Dictionary<string, string> { ["Commands__DecideInProcess"] = "false" });

        var answer = await ledger.Send("/v1/deposits", new { userId = "logged", asset = "USD", amount = "3.00" }, "logged-1");

        Assert.True(answer.Status == HttpStatusCode.Created, $"{(int)answer.Status} {answer.Body}\n{ledger.Logs}");
        Assert.Equal(1, HighWatermarks(ledger, ledger.Kafka.Options.CommandsTopic));
        var (events, offsets) = EventsOf(ledger, "logged");
        Assert.Equal(1, events);
        Assert.Equal([0L], offsets);
        Assert.Equal(0, await HandedCommands(ledger));
    }

    private static long HighWatermarks(RunningLedger ledger, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(ledger.Kafka.BootstrapServers, "handoff-test-watermarks")).Build();
        return Enumerable.Range(0, ledger.Kafka.Options.Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>How many events of the user are on ledger.events, and the command offsets they name.</summary>
    private static (int Events, List<long> CommandOffsets) EventsOf(RunningLedger ledger, string userId)
    {
        var (events, offsets) = (0, new List<long>());
        var partition = UserPartitioner.PartitionOf(userId, ledger.Kafka.Options.Partitions);
        PartitionReader.ReadToEnd(ledger.Kafka.BootstrapServers, new TopicPartition(ledger.Kafka.Options.EventsTopic, partition),
            TimeSpan.FromSeconds(10), record =>
            {
                if (record.Message.Key != userId) return;
                events++;
                if (record.Message.Headers.FindNumber(LedgerHeaders.CommandOffset) is { } offset) offsets.Add(offset);
            }, CancellationToken.None);
        return (events, offsets);
    }

    private static async Task<long> HandedCommands(RunningLedger ledger) =>
        Regex.Matches(await ledger.Http.GetStringAsync("/metrics"), @"^ledger_api_commands_handed_total\{[^}]*\} (\d+)$", RegexOptions.Multiline)
            .Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
}
