using System.Net;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>The projector killed with SIGKILL mid-stream (no clean commit, its Kafka offsets behind
/// its PostgreSQL offsets) and started again: nothing lost, nothing counted twice.</summary>
public sealed class ProjectorRestartTests(ITestOutputHelper output)
{
    private const int DepositCount = 1_200;
    private const int UserCount = 100;

    [Fact]
    public async Task a_projector_killed_mid_stream_and_restarted_loses_and_duplicates_nothing()
    {
        await using var ledger = await RunningLedger.Start();
        var deposits = Enumerable.Range(0, DepositCount)
            .Select(i => (UserId: $"user-{i % UserCount:000}", Minor: 100L + i, Key: $"deposit-{i}")).ToList();

        var sending = SendAll(ledger, deposits);
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") >= DepositCount / 5,
            TimeSpan.FromSeconds(60), "the projector has stored a fifth of the deposits");
        ledger.Projector!.Kill();
        var projectedAtKill = await ledger.Postgres.Scalar<long>("select count(*) from events");
        output.WriteLine($"projector killed after {projectedAtKill} events were projected");

        var statuses = await sending;
        Assert.True(statuses.All(s => s == HttpStatusCode.Created), $"not all deposits were accepted\n{ledger.Logs}");
        Assert.True(projectedAtKill < DepositCount, "the projector was killed before the end of the stream");

        await ledger.StartProjector();
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") >= DepositCount,
            TimeSpan.FromSeconds(60), "the restarted projector catches up");

        Assert.Equal(DepositCount, await ledger.Postgres.Scalar<long>("select count(*) from events"));
        Assert.Equal(DepositCount, await ledger.Postgres.Scalar<long>("select count(distinct command_id) from events"));
        var expected = deposits.GroupBy(d => d.UserId).ToDictionary(g => g.Key, g => g.Sum(d => d.Minor));
        foreach (var (userId, minor) in expected)
        {
            var balance = (await ledger.GetJson($"/v1/accounts/{userId}/balances")).GetProperty("balances")[0];
            var usd = DepositsEndToEndTests.Format(minor, "USD");
            DepositsEndToEndTests.AssertBalance(balance, "USD", usd, "0.00", usd);
        }
        Assert.Equal(expected.Values.Sum(), await ledger.Postgres.Scalar<decimal>("select sum(available) from balances"));
    }

    private static async Task<HttpStatusCode[]> SendAll(RunningLedger ledger, List<(string UserId, long Minor, string Key)> deposits)
    {
        using var concurrency = new SemaphoreSlim(16);
        return await Task.WhenAll(deposits.Select(async deposit =>
        {
            await concurrency.WaitAsync();
            try
            {
                using var response = await ledger.Post("/v1/deposits", new
                {
                    userId = deposit.UserId,
                    asset = "USD",
                    amount = DepositsEndToEndTests.Format(deposit.Minor, "USD"),
                }, deposit.Key);
                return response.StatusCode;
            }
            finally { concurrency.Release(); }
        }));
    }
}
