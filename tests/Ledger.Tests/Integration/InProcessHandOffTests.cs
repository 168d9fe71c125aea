using System.Net;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>
/// A command for a partition whose writer runs in the same process is handed to it in process
/// (Commands:DecideInProcess, on by default): it is never put on ledger.commands, it is answered once
/// its transaction has committed, and its event names no command offset. With the hand-off off, the
/// same command goes by ledger.commands, as from an edge without writers.
/// </summary>
public sealed class InProcessHandOffTests(ITestOutputHelper output)
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
        Assert.Equal(2, await ledger.CommandsHandedInProcess());
        // Read committed: a consumer of ledger.events sees the event the caller was told about.
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events where user_id = 'handed'") == 1,
            TimeSpan.FromSeconds(30), $"the deposit is projected\n{ledger.Logs}");
    }

    [Fact]
    public async Task a_transfers_credit_on_another_partition_of_the_same_writer_is_decided_in_the_same_transaction_as_its_debit()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1);
        var partitions = ledger.Kafka.Options.Partitions;
        const string sender = "saga-sender";
        var receiver = Enumerable.Range(0, 100).Select(i => $"saga-receiver-{i}")
            .First(u => UserPartitioner.PartitionOf(u, partitions) != UserPartitioner.PartitionOf(sender, partitions));
        var deposit = await ledger.Send("/v1/deposits", new { userId = sender, asset = "USD", amount = "10.00" }, "saga-1");
        Assert.True(deposit.Status == HttpStatusCode.Created, $"{(int)deposit.Status} {deposit.Body}\n{ledger.Logs}");

        var transfer = await ledger.Send("/v1/transfers",
            new { transferId = "t-here", fromUserId = sender, toUserId = receiver, asset = "USD", amount = "4.00" }, "saga-2");

        Assert.True(transfer.Status == HttpStatusCode.Created, $"{(int)transfer.Status} {transfer.Body}\n{ledger.Logs}");
        Assert.Equal(0, HighWatermarks(ledger, ledger.Kafka.Options.CommandsTopic)); // the credit was never on the log
        var debit = TransactionsOf(ledger, sender, "TransferDebited");
        var credit = TransactionsOf(ledger, receiver, "TransferCredited");
        Assert.Single(debit);
        Assert.Equal(debit, credit); // one transaction: both visible, or neither
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>(
                $"select coalesce(max(available), 0) from balances where user_id = '{receiver}' and asset = 'USD'") == 400,
            TimeSpan.FromSeconds(30), $"the credit is projected\n{ledger.Logs}");
        Assert.Equal(600, await ledger.Postgres.Scalar<long>($"select available from balances where user_id = '{sender}' and asset = 'USD'"));
        var report = await ledger.Audit(TimeSpan.FromSeconds(60));
        Assert.True(report.IsOk(), $"audit: {report}");
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
        Assert.Equal(0, await ledger.CommandsHandedInProcess());
    }

    [Fact]
    public async Task commands_handed_while_partitions_move_to_another_writer_and_back_are_each_decided_once()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Stage(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        await using var ledger = await RunningLedger.Start(partitions: 4, brokers: 1);
        var users = Enumerable.Range(0, 16).Select(i => $"mv-{i:00}").ToArray();

        // Eight clients send deposits one after another, each until told to stop, retrying with the same
        // key until decided, as a careful client does; every answered deposit is recorded.
        using var stop = new CancellationTokenSource();
        var decided = new System.Collections.Concurrent.ConcurrentBag<(string User, long Minor, string Key, HttpStatusCode Status)>();
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var (user, minor, key) = (users[(client + 8 * i) % users.Length], 100L + i, $"mv-{client}-{i}");
                var answer = await ledger.SendUntilDecided("/v1/deposits",
                    new { userId = user, asset = "USD", amount = DepositsEndToEndTests.Format(minor, "USD") }, key, TimeSpan.FromSeconds(90));
                decided.Add((user, minor, key, answer.Status));
            }
        })));
        await Eventually.Until(() => Task.FromResult(decided.Count >= 50 || load.IsCompleted), TimeSpan.FromSeconds(60), "deposits are being answered");

        // A second writer joins: the group gives it some of the Api's partitions, whose commands the
        // edge then sends by ledger.commands; killed, they come back to the Api's own writer.
        await ledger.StartWriter();
        Stage("second writer started");
        var onLog = HighWatermarks(ledger, ledger.Kafka.Options.CommandsTopic);
        await Eventually.Until(() => Task.FromResult(HighWatermarks(ledger, ledger.Kafka.Options.CommandsTopic) > onLog + 10 || load.IsCompleted),
            TimeSpan.FromSeconds(60), "commands for the second writer's partitions go by ledger.commands");
        Stage("commands go by ledger.commands");
        ledger.KillWriter(ledger.Writer!);
        Stage("second writer killed");
        var handedBefore = await ledger.CommandsHandedInProcess();
        await Eventually.Until(async () => await ledger.CommandsHandedInProcess() > handedBefore + 50 || load.IsCompleted,
            TimeSpan.FromSeconds(60), "the Api's writer takes the partitions back and decides handed commands again");
        Stage("handed again");
        Assert.False(load.IsCompleted, $"the load ran through both moves\n{ledger.Logs}");
        await stop.CancelAsync();
        await load;
        var deposits = decided.ToList();
        Stage($"{deposits.Count} deposits answered");
        Assert.All(deposits, d => Assert.Equal(HttpStatusCode.Created, d.Status));
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events where user_id like 'mv-%'") >= deposits.Count,
            TimeSpan.FromSeconds(60), $"every deposit is projected\n{ledger.Logs}");
        Assert.Equal(deposits.Count, await ledger.Postgres.Scalar<long>("select count(*) from events where user_id like 'mv-%'"));
        Assert.Equal(deposits.Count, await ledger.Postgres.Scalar<long>("select count(distinct idempotency_key) from events where user_id like 'mv-%'"));
        foreach (var user in users)
            Assert.Equal(deposits.Where(d => d.User == user).Sum(d => d.Minor),
                await ledger.Postgres.Scalar<long>($"select available from balances where user_id = '{user}' and asset = 'USD'"));
        var report = await ledger.Audit(TimeSpan.FromSeconds(120));
        Assert.True(report.IsOk(), $"audit: {report}");
    }

    private static long HighWatermarks(RunningLedger ledger, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(ledger.Kafka.BootstrapServers, "handoff-test-watermarks")).Build();
        return Enumerable.Range(0, ledger.Kafka.Options.Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>The transaction ids (<see cref="LedgerHeaders.Transaction"/>) of the user's events of a type.</summary>
    private static List<string?> TransactionsOf(RunningLedger ledger, string userId, string eventType) =>
        EventHeadersOf(ledger, userId).Where(h => h.Find(LedgerHeaders.EventType) == eventType).Select(h => h.Find(LedgerHeaders.Transaction)).ToList();

    /// <summary>How many events of the user are on ledger.events, and the command offsets they name.</summary>
    private static (int Events, List<long> CommandOffsets) EventsOf(RunningLedger ledger, string userId)
    {
        var headers = EventHeadersOf(ledger, userId);
        return (headers.Count, headers.Select(h => h.FindNumber(LedgerHeaders.CommandOffset)).OfType<long>().ToList());
    }

    /// <summary>The headers of the user's events on ledger.events, in log order.</summary>
    private static List<Headers> EventHeadersOf(RunningLedger ledger, string userId)
    {
        var headers = new List<Headers>();
        var partition = UserPartitioner.PartitionOf(userId, ledger.Kafka.Options.Partitions);
        PartitionReader.ReadToEnd(ledger.Kafka.BootstrapServers, new TopicPartition(ledger.Kafka.Options.EventsTopic, partition),
            TimeSpan.FromSeconds(10), record =>
            {
                if (record.Message.Key == userId) headers.Add(record.Message.Headers);
            }, CancellationToken.None);
        return headers;
    }

}
