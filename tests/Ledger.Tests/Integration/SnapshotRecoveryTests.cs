using System.Net;
using System.Security.Cryptography;
using Ledger.Domain.Markets;
using Ledger.Kafka;
using Ledger.Api.Writer.Snapshots;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>
/// A writer process with snapshots, killed (SIGKILL) and replaced: the new writer starts from each
/// partition's snapshot and replays only the events after it, and decides exactly as before: a repeat
/// gets its first answer, a balance is exact to the cent. Then one snapshot is corrupted and the
/// other made to name an event the log does not hold: both are refused, the partitions are replayed
/// whole, and the decisions are still exact.
/// </summary>
public sealed class SnapshotRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Partitions = 2;
    private static readonly string[] Users = ["ann", "ben", "cay", "dov", "eli", "fay"];
    private static readonly TimeSpan DecisionDeadline = TimeSpan.FromSeconds(60);
    private readonly string _snapshots = Directory.CreateTempSubdirectory("ledger-snapshots-").FullName;

    [Fact]
    public async Task a_writer_recovers_from_its_snapshots_and_refuses_bad_ones()
    {
        await using var ledger = await RunningLedger.Start(partitions: Partitions, brokers: 1, separateWriter: true,
            environment: new Dictionary<string, string>
            {
                ["Writer__SnapshotDirectory"] = _snapshots,
                ["Writer__SnapshotEveryEvents"] = "5",
            });
        Assert.All(Enumerable.Range(0, Partitions), p => Assert.True(Users.Count(u => UserPartitioner.PartitionOf(u, Partitions) == p) >= 2));
        var expected = Users.ToDictionary(user => user, _ => 0L);
        for (var round = 0; round < 4; round++)
            foreach (var user in Users)
            {
                var cents = 100 * (round + 1) + user.Length;
                Assert.Equal(HttpStatusCode.Created, (await Deposit(ledger, user, cents, $"d-{user}-{round}")).Status);
                expected[user] += cents;
            }
        var paths = Enumerable.Range(0, Partitions).Select(p => Path.Combine(_snapshots, $"{ledger.Kafka.Options.EventsTopic}-{p}.snapshot")).ToArray();
        await Eventually.Until(() => Task.FromResult(paths.All(File.Exists)), TimeSpan.FromSeconds(30), $"both partitions wrote a snapshot\n{ledger.Logs}");

        ledger.Writer!.Kill();
        await ledger.StartWriter();
        // Each recovery (a rebalance may make more than one) starts from the partition's snapshot.
        Assert.True(Count(ledger.Writer!.Output, "from the snapshot of") >= Partitions, ledger.Writer!.Output);
        Assert.DoesNotContain("(no snapshot", ledger.Writer!.Output);
        await AssertDecidesExactly(ledger, expected, "after recovering from snapshots");

        // Wait for snapshots that include the withdrawals above, then spoil them.
        await Eventually.Until(() => Task.FromResult(Count(ledger.Writer!.Output, ") written,") >= Partitions),
            TimeSpan.FromSeconds(30), $"snapshots written by the new writer\n{ledger.Writer!.Output}");
        ledger.Writer!.Kill();
        var corrupt = File.ReadAllBytes(paths[0]);
        corrupt[corrupt.Length / 2] ^= 0xFF;
        File.WriteAllBytes(paths[0], corrupt);
        var (header, image) = SnapshotFile.Decode(File.ReadAllBytes(paths[1]), MarketCatalog.Default);
        File.WriteAllBytes(paths[1], SnapshotFile.Encode(header with { LastEventSha256 = SHA256.HashData("another log"u8) }, image));

        await ledger.StartWriter();
        var log = ledger.Writer!.Output;
        output.WriteLine(log);
        Assert.Contains("refused (its checksum does not match", log);
        Assert.Contains("refused (its last event is not the record at offset", log);
        await AssertDecidesExactly(ledger, expected, "after refusing both snapshots");
    }

    /// <summary>
    /// The soak's drift, made to happen (docs/soak.md): a broker appends the writer's events but its
    /// answer is lost, the producer's retry is acknowledged as a duplicate, and the delivery reports give
    /// made-up offsets. A snapshot labelled with one would name the event before the batch while holding
    /// the batch, and a writer recovering from it would apply the batch twice. The writer takes no
    /// snapshot on a made-up offset: the one recovering replays the batch once, and every balance is exact.
    /// </summary>
    [Fact]
    public async Task a_batch_whose_reports_give_made_up_offsets_is_not_applied_twice_after_a_recovery()
    {
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 3, separateWriter: true,
            environment: new Dictionary<string, string>
            {
                ["Writer__SnapshotDirectory"] = _snapshots,
                ["Writer__SnapshotEveryEvents"] = "1",
            });
        // Only the writer's events go to broker 2: its next produce request there is the one held.
        var options = ledger.Kafka.Options;
        foreach (var topic in options.Topics) ledger.Kafka.Cluster.SetPartitionLeader(topic, 0, topic == options.EventsTopic ? 2 : 1);
        const string user = "ann";
        var expected = 0L;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Deposit(ledger, user, 1_000 + i, $"before-{i}")).Status);
            expected += 1_000 + i;
        }
        await Eventually.Until(() => Task.FromResult(Count(ledger.Writer!.Output, ") written,") >= 1), TimeSpan.FromSeconds(30),
            $"a snapshot written\n{ledger.Writer!.Output}");

        var events = new Confluent.Kafka.TopicPartition(options.EventsTopic, 0);
        using var watcher = new Confluent.Kafka.ConsumerBuilder<string, byte[]>(
            KafkaClients.Consumer(ledger.Kafka.BootstrapServers, "made-up-offsets-watch")).Build();
        var before = watcher.QueryWatermarkOffsets(events, TimeSpan.FromSeconds(10)).High.Value;
        ledger.Kafka.Cluster.DelayNextProduceAnswer(2, TimeSpan.FromSeconds(60));
        var held = Deposit(ledger, user, 1_100, "held");
        await Eventually.Until(() => Task.FromResult(watcher.QueryWatermarkOffsets(events, TimeSpan.FromSeconds(10)).High.Value > before),
            TimeSpan.FromSeconds(30), $"the held batch appended\n{ledger.Writer!.Output}");
        ledger.Kafka.Cluster.SetBrokerDown(2); // the held answer is lost with its connection
        ledger.Kafka.Cluster.SetBrokerUp(2);
        Assert.Equal(HttpStatusCode.Created, (await held).Status);
        expected += 1_100;
        // The edge may answer before the writer has its reports: librdkafka's mock cluster shows a
        // transaction's records to read_committed consumers before it commits (docs/soak.md).
        await Eventually.Until(() => Task.FromResult(ledger.Writer!.Output.Contains("below any it can have")), TimeSpan.FromSeconds(30),
            $"the retried batch's reports taken as made up\n{ledger.Logs}");
        using (var writerHttp = new HttpClient { BaseAddress = ledger.Writer!.BaseAddress })
            Assert.Matches(@"(?m)^ledger_writer_event_offsets_unknown_total\{partition=""0""\} [1-9]", await writerHttp.GetStringAsync("/metrics"));

        ledger.Writer!.Kill();
        await ledger.StartWriter();
        // From the last snapshot, before the held batch, which is replayed once: 4 events, not 5.
        Assert.Contains("recovered 4 events, 1 accounts", ledger.Writer!.Output);
        Assert.Contains("from the snapshot of 3 events", ledger.Writer!.Output);
        var tooMuch = await Withdraw(ledger, user, expected + 1, "too-much");
        Assert.True(tooMuch.Code == "insufficient_funds", $"withdrawing one cent more than {expected}: {tooMuch.Status} {tooMuch.Body}\n{ledger.Logs}");
        var all = await Withdraw(ledger, user, expected, "all");
        Assert.True(all.Status == HttpStatusCode.Created && all.Balance.GetProperty("available").GetString() == "0.00",
            $"withdrawing {expected}: {all.Status} {all.Body}\n{ledger.Logs}");

        // A snapshot so labelled, as the writer wrote them before it checked reports' offsets: its
        // last event relabelled as the one before it. The recovery refuses it and replays the log.
        var path = Path.Combine(_snapshots, $"{options.EventsTopic}-0.snapshot");
        await Eventually.Until(() => Task.FromResult(File.Exists(path) && SnapshotFile.Decode(File.ReadAllBytes(path), MarketCatalog.Default).Image.EventsApplied == 6),
            TimeSpan.FromSeconds(30), $"a snapshot of all 6 events\n{ledger.Writer!.Output}");
        ledger.Writer!.Kill();
        var (header, image) = SnapshotFile.Decode(File.ReadAllBytes(path), MarketCatalog.Default);
        var earlier = PartitionTailRecords(ledger, events).Last(r => r.Offset < header.LastEventOffset);
        File.WriteAllBytes(path, SnapshotFile.Encode(header with { LastEventOffset = earlier.Offset, LastEventSha256 = SHA256.HashData(earlier.Value) }, image));
        await ledger.StartWriter();
        Assert.Contains("its state already holds the event after its last one", ledger.Writer!.Output);
        var back = await Deposit(ledger, user, 5, "after-relabelled");
        Assert.True(back.Status == HttpStatusCode.Created && back.Balance.GetProperty("available").GetString() == "0.05",
            $"depositing 5 cents onto 0: {back.Status} {back.Body}\n{ledger.Logs}");
    }

    private static List<(long Offset, byte[] Value)> PartitionTailRecords(RunningLedger ledger, Confluent.Kafka.TopicPartition partition)
    {
        var records = new List<(long, byte[])>();
        PartitionReader.ReadToEnd(ledger.Kafka.BootstrapServers, partition, TimeSpan.FromSeconds(30),
            record => records.Add((record.Offset.Value, record.Message.Value)), CancellationToken.None);
        return records;
    }

    /// <summary>A repeat answers its first outcome; withdrawing a cent more than the balance is refused;
    /// withdrawing the balance leaves exactly zero. Deposits the balance back, so it can run again.</summary>
    private async Task AssertDecidesExactly(RunningLedger ledger, Dictionary<string, long> expected, string when)
    {
        var repeat = await Deposit(ledger, Users[0], 100 + Users[0].Length, $"d-{Users[0]}-0");
        Assert.True(repeat is { Status: HttpStatusCode.Created, Replayed: true }, $"{when}: a repeat gets its first answer ({repeat.Status} {repeat.Body})");
        foreach (var user in Users)
        {
            var key = $"{when.Replace(' ', '-')}-{user}";
            var tooMuch = await Withdraw(ledger, user, expected[user] + 1, $"{key}-too-much");
            Assert.True(tooMuch.Code == "insufficient_funds", $"{when}: {user} withdrawing one cent more than {expected[user]}: {tooMuch.Status} {tooMuch.Body}");
            var all = await Withdraw(ledger, user, expected[user], $"{key}-all");
            Assert.True(all.Status == HttpStatusCode.Created && all.Balance.GetProperty("available").GetString() == "0.00",
                $"{when}: {user} withdrawing {expected[user]}: {all.Status} {all.Body}");
            Assert.Equal(HttpStatusCode.Created, (await Deposit(ledger, user, expected[user], $"{key}-back")).Status);
        }
        output.WriteLine($"{when}: every balance exact");
    }

    private static Task<Answer> Deposit(RunningLedger ledger, string user, long cents, string key) =>
        ledger.SendUntilDecided("/v1/deposits", new { userId = user, asset = "USD", amount = DepositsEndToEndTests.Format(cents, "USD") }, key, DecisionDeadline);

    private static Task<Answer> Withdraw(RunningLedger ledger, string user, long cents, string key) =>
        ledger.SendUntilDecided("/v1/withdrawals", new { userId = user, asset = "USD", amount = DepositsEndToEndTests.Format(cents, "USD") }, key, DecisionDeadline);

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    public void Dispose() => Directory.Delete(_snapshots, recursive: true);
}
