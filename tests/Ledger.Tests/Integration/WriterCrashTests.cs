using System.Net;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>The writer process killed with SIGKILL mid-stream (open transactions, uncommitted offsets,
/// transfers half way through their saga) and replaced by a new one: every command applies exactly once.</summary>
public sealed class WriterCrashTests(ITestOutputHelper output)
{
    private const int UserCount = 40;
    private const int DepositsPerUser = 10;
    private const int TransferCount = 150;
    private const int ClientsInFlight = 8;
    private static readonly TimeSpan DecisionDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task a_writer_killed_mid_stream_and_replaced_loses_and_duplicates_nothing()
    {
        var seed = Environment.GetEnvironmentVariable("LEDGER_TEST_SEED") is { } given ? int.Parse(given) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} reproduces it)");
        var random = new Random(seed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Stage(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        await using var ledger = await RunningLedger.Start(partitions: 12, brokers: 3, separateWriter: true);

        var users = Enumerable.Range(0, UserCount).Select(i => $"u-{i:00}").ToArray();
        var deposits = users.SelectMany(user => Enumerable.Range(0, DepositsPerUser)
            .Select(i => (User: user, Minor: (long)random.Next(10_000, 100_000), Key: $"d-{user}-{i}"))).ToList();
        var transfers = Enumerable.Range(0, TransferCount).Select(i =>
        {
            var from = users[random.Next(UserCount)];
            var to = users.Where(u => u != from && Partition(ledger, u) != Partition(ledger, from)).ElementAt(random.Next(10));
            return (Id: $"t-{i}", From: from, To: to, Minor: (long)random.Next(1, 1_000));
        }).ToList();

        var depositsAnswered = new Counter();
        var depositing = SendStream(deposits, d => ledger.SendUntilDecided("/v1/deposits",
            new { userId = d.User, asset = "USD", amount = DepositsEndToEndTests.Format(d.Minor, "USD") }, d.Key, DecisionDeadline), depositsAnswered);
        await Eventually.Until(() => Task.FromResult(depositsAnswered.Value >= deposits.Count / 4),
            TimeSpan.FromSeconds(60), "a quarter of the deposits are answered");
        Assert.False(depositing.IsCompleted, "the writer is killed while deposits are still being sent");
        ledger.Writer!.Kill();
        output.WriteLine($"writer killed after {await ledger.Postgres.Scalar<long>("select count(*) from events")} events were projected");
        Stage("writer killed during deposits");
        await ledger.StartWriter();
        Stage("new writer ready");
        var depositAnswers = await depositing;
        Stage("all deposits answered");
        Assert.All(depositAnswers, a => Assert.Equal(HttpStatusCode.Created, a.Status));

        // Transfers are sent after the deposits so none is refused for lack of money; kill again mid-saga.
        var transfersAnswered = new Counter();
        var transferring = SendStream(transfers, t => ledger.SendUntilDecided("/v1/transfers",
            new { transferId = t.Id, fromUserId = t.From, toUserId = t.To, asset = "USD", amount = DepositsEndToEndTests.Format(t.Minor, "USD") },
            $"transfer-{t.Id}", DecisionDeadline), transfersAnswered);
        await Eventually.Until(() => Task.FromResult(transfersAnswered.Value >= TransferCount / 4),
            TimeSpan.FromSeconds(60), "a quarter of the transfers are answered");
        Assert.False(transferring.IsCompleted, "the writer is killed while transfers are still being sent");
        ledger.Writer!.Kill();
        Stage("writer killed during transfers");
        await ledger.StartWriter();
        Stage("new writer ready");
        var transferAnswers = await transferring;
        Stage("all transfers answered");
        Assert.All(transferAnswers, a => Assert.Equal(HttpStatusCode.Created, a.Status));

        // A credit may be projected before its debit: the credit command is delivered first.
        await Eventually.Until(async () => await Count("TransferCredited") == TransferCount && await Count("TransferDebited") == TransferCount,
            TimeSpan.FromSeconds(90), $"every transfer is debited and credited\n{ledger.Logs}");
        Stage("all transfers credited");
        Assert.Equal(deposits.Count, await Count("Deposited"));
        Assert.Equal(TransferCount, await Count("TransferDebited"));
        Assert.Equal(TransferCount, await ledger.Postgres.Scalar<long>("select count(distinct body->>'transferId') from events where type = 'TransferCredited'"));
        Assert.Equal(0, await Count("TransferRefunded"));

        var expected = users.ToDictionary(u => u, u => deposits.Where(d => d.User == u).Sum(d => d.Minor)
            - transfers.Where(t => t.From == u).Sum(t => t.Minor) + transfers.Where(t => t.To == u).Sum(t => t.Minor));
        await Eventually.Until(async () => await ledger.Postgres.Scalar<decimal>("select coalesce(sum(available), 0) from balances")
            == deposits.Sum(d => d.Minor), TimeSpan.FromSeconds(30), "the balance cache holds all the money, none in flight");
        foreach (var user in users)
            Assert.Equal(expected[user], await ledger.Postgres.Scalar<long>($"select available from balances where user_id = '{user}' and asset = 'USD'"));

        Task<long> Count(string type) => ledger.Postgres.Scalar<long>($"select count(*) from events where type = '{type}'");
    }

    /// <summary>Sends like a pool of clients: a bounded number in flight, so the stream lasts long
    /// enough to be cut in the middle.</summary>
    private static async Task<Answer[]> SendStream<T>(IReadOnlyList<T> items, Func<T, Task<Answer>> send, Counter answered)
    {
        using var inFlight = new SemaphoreSlim(ClientsInFlight);
        return await Task.WhenAll(items.Select(async item =>
        {
            await inFlight.WaitAsync();
            try
            {
                var answer = await send(item);
                answered.Increment();
                return answer;
            }
            finally { inFlight.Release(); }
        }));
    }

    private sealed class Counter
    {
        private int _value;
        public int Value => Volatile.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }

    private static int Partition(RunningLedger ledger, string user) => UserPartitioner.PartitionOf(user, ledger.Kafka.Options.Partitions);
}
