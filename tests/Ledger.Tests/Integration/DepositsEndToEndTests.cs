using System.Net;
using System.Text.Json;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>HTTP -> Kafka -> partition writer -> Kafka -> projector -> PostgreSQL -> HTTP, with
/// 12 partitions on 3 mock brokers, real processes, a real PostgreSQL server.</summary>
public sealed class DepositsEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task a_deposit_is_decided_projected_and_read_back()
    {
        await using var ledger = await RunningLedger.Start();

        using var response = await ledger.Post("/v1/deposits", new { userId = "alice", asset = "USD", amount = "100.00" }, "deposit-1");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode} {body}\n{ledger.Logs}");
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("commandId").GetString(), out _));
        AssertBalance(body.GetProperty("balance"), "USD", "100.00", "0.00", "100.00");

        var balances = await WaitForBalances(ledger, "alice", expectedAssets: 1);
        Assert.Equal("alice", balances.GetProperty("userId").GetString());
        AssertBalance(balances.GetProperty("balances")[0], "USD", "100.00", "0.00", "100.00");
        Assert.True(balances.GetProperty("asOf").GetProperty("eventSequence").GetInt64() >= 1);
    }

    [Fact]
    public async Task a_thousand_deposits_across_two_hundred_users_all_land_exactly()
    {
        var seed = Environment.GetEnvironmentVariable("LEDGER_TEST_SEED") is { } given ? int.Parse(given) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} reproduces it)");
        var random = new Random(seed);
        await using var ledger = await RunningLedger.Start(partitions: 12, brokers: 3);

        var deposits = Enumerable.Range(0, 1_000).Select(i => (
            UserId: $"user-{(i < 200 ? i : random.Next(200)):000}", // every one of the 200 users, then at random
            Asset: random.Next(4) == 0 ? "BTC" : "USD",
            Minor: (long)random.Next(1, 1_000_000),
            Key: $"deposit-{i}")).ToList();
        var expected = deposits.GroupBy(d => (d.UserId, d.Asset)).ToDictionary(g => g.Key, g => g.Sum(d => d.Minor));

        using var concurrency = new SemaphoreSlim(32);
        var statuses = await Task.WhenAll(deposits.Select(async deposit =>
        {
            await concurrency.WaitAsync();
            try
            {
                using var response = await ledger.Post("/v1/deposits", new
                {
                    userId = deposit.UserId,
                    asset = deposit.Asset,
                    amount = Format(deposit.Minor, deposit.Asset),
                }, deposit.Key);
                return response.StatusCode;
            }
            finally { concurrency.Release(); }
        }));
        Assert.True(statuses.All(s => s == HttpStatusCode.Created),
            $"statuses: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()}"))}\n{ledger.Logs}");

        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") == deposits.Count,
            TimeSpan.FromSeconds(60), "every deposit is in the event store");
        Assert.Equal(200, expected.Keys.Select(k => k.UserId).Distinct().Count());
        foreach (var userId in expected.Keys.Select(k => k.UserId).Distinct())
        {
            var balances = (await ledger.GetJson($"/v1/accounts/{userId}/balances")).GetProperty("balances");
            foreach (var balance in balances.EnumerateArray())
            {
                var asset = balance.GetProperty("asset").GetString()!;
                var want = Format(expected[(userId, asset)], asset);
                AssertBalance(balance, asset, want, Format(0, asset), want);
            }
            Assert.Equal(expected.Keys.Count(k => k.UserId == userId), balances.GetArrayLength());
        }
    }

    private static async Task<JsonElement> WaitForBalances(RunningLedger ledger, string userId, int expectedAssets)
    {
        JsonElement last = default;
        await Eventually.Until(async () =>
        {
            last = await ledger.GetJson($"/v1/accounts/{userId}/balances");
            return last.GetProperty("balances").GetArrayLength() == expectedAssets;
        }, TimeSpan.FromSeconds(30), $"the projector shows {userId}'s balances");
        return last;
    }

    internal static string Format(long minor, string asset) =>
        global::Ledger.Domain.Assets.Amount.Format(minor, global::Ledger.Domain.Assets.AssetCatalog.Default.Get(asset));

    internal static void AssertBalance(JsonElement balance, string asset, string available, string held, string total)
    {
        Assert.Equal(asset, balance.GetProperty("asset").GetString());
        Assert.Equal(available, balance.GetProperty("available").GetString());
        Assert.Equal(held, balance.GetProperty("held").GetString());
        Assert.Equal(total, balance.GetProperty("total").GetString());
    }
}
