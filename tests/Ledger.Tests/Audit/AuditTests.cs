using System.Net;
using Ledger.Kafka;
using Ledger.Tests.Integration;
using Ledger.Tests.Support;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Audit;

/// <summary>The audit passes on a healthy ledger, and fails, naming what differs, on a read model
/// broken on purpose: so we know it can fail.</summary>
public sealed class AuditTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_audit_passes_on_a_healthy_ledger_and_names_a_tampered_balance_and_a_lost_entry()
    {
        await using var ledger = await RunningLedger.Start(partitions: 4, brokers: 1);
        var (alice, bob) = ("audit-alice", OnAnotherPartition(ledger, "audit-alice"));
        await Decided(ledger, "/v1/deposits", new { userId = alice, asset = "USD", amount = "100.00" }, "a-1", HttpStatusCode.Created);
        await Decided(ledger, "/v1/deposits", new { userId = bob, asset = "USD", amount = "5.00" }, "b-1", HttpStatusCode.Created);
        await Decided(ledger, "/v1/withdrawals", new { userId = alice, asset = "USD", amount = "500.00" }, "a-2", HttpStatusCode.UnprocessableEntity);
        await Decided(ledger, "/v1/transfers", new { transferId = "t-1", fromUserId = alice, toUserId = bob, asset = "USD", amount = "30.00" },
            "a-3", HttpStatusCode.Created);
        await Decided(ledger, "/v1/orders", new { userId = alice, market = "BTC-USD", side = "buy", price = "10.00", quantity = "1.00000000" },
            "a-4", HttpStatusCode.Created);
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") == 6,
            Deadline, "the six decisions (the transfer's credit too) are projected");

        var healthy = await ledger.Audit();
        output.WriteLine(healthy.ToString());
        Assert.True(healthy.IsOk(), healthy.Failures());
        Assert.Equal(["postings_sum_to_zero", "balance_cache_equals_replay", "event_store_equals_kafka", "no_negative_balance",
            "applied_at_most_once", "accepted_commands_decided"],
            healthy.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(6, healthy.Check("event_store_equals_kafka").GetProperty("checked").GetInt64());
        Assert.True(healthy.Check("accepted_commands_decided").GetProperty("checked").GetInt64() >= 6, "the commands were read");
        Assert.Equal(4, healthy.GetProperty("covers").GetProperty("partitions").GetArrayLength());
        var (healthyExit, healthyText) = await ledger.AuditFromCommandLine();
        Assert.True(healthyExit == 0, healthyText);

        // A balance row changed behind the projector's back: the cache no longer equals the replay.
        await Execute(ledger, $"update balances set available = available + 1 where user_id = '{bob}' and asset = 'USD'");
        var tampered = await ledger.Audit();
        Assert.False(tampered.IsOk());
        var replay = tampered.Check("balance_cache_equals_replay");
        Assert.False(replay.GetProperty("ok").GetBoolean());
        Assert.Equal(1, replay.GetProperty("differences").GetInt64());
        Assert.Contains($"{bob} USD: cache available 3501 held 0, replay available 3500 held 0", replay.GetProperty("examples")[0].GetString());
        Assert.True(tampered.Check("postings_sum_to_zero").GetProperty("ok").GetBoolean(), "only the cache was changed");
        var (tamperedExit, tamperedText) = await ledger.AuditFromCommandLine();
        output.WriteLine(tamperedText);
        Assert.Equal(1, tamperedExit);
        Assert.Contains("FAIL  balance_cache_equals_replay", tamperedText);

        // An entry lost: the deposit's ledger side is gone, so USD no longer sums to zero.
        await Execute(ledger, $"update balances set available = available - 1 where user_id = '{bob}' and asset = 'USD'");
        await Execute(ledger, $"delete from ledger_entries where owner_id = '@ledger' and sequence = (select min(sequence) from events where user_id = '{alice}')");
        var lost = await ledger.Audit();
        Assert.False(lost.IsOk());
        var postings = lost.Check("postings_sum_to_zero");
        Assert.False(postings.GetProperty("ok").GetBoolean());
        Assert.Contains(postings.GetProperty("examples").EnumerateArray(), e => e.GetString()!.StartsWith("asset out of balance: asset USD, total 10000"));
        Assert.True(lost.Check("balance_cache_equals_replay").GetProperty("ok").GetBoolean(), "the cache was put back");
    }

    private static async Task Decided(RunningLedger ledger, string path, object body, string key, HttpStatusCode expected)
    {
        var answer = await ledger.SendUntilDecided(path, body, key, Deadline);
        Assert.True(answer.Status == expected, $"{path} {key}: {answer.Status} {answer.Body}");
    }

    private static async Task Execute(RunningLedger ledger, string sql)
    {
        await using var connection = new NpgsqlConnection(ledger.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string OnAnotherPartition(RunningLedger ledger, string user) => Enumerable.Range(0, 100).Select(i => $"audit-bob-{i}")
        .First(u => UserPartitioner.PartitionOf(u, ledger.Kafka.Options.Partitions) != UserPartitioner.PartitionOf(user, ledger.Kafka.Options.Partitions));
}
