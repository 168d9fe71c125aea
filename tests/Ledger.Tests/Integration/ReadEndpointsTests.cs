using System.Net;
using System.Text.Json;
using Ledger.Tests.Projection;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>The read endpoints of Ledger.Api over a database holding a generated history (projected
/// directly, under its own topic name) plus what the running ledger itself projects.</summary>
public sealed class ReadEndpointsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task entries_orders_daily_statistics_and_lag_are_read_with_their_freshness()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        await using var ledger = await RunningLedger.Start(partitions: 3, brokers: 1);
        await using (var history = await ProjectedDatabase.Create(ledger.Postgres))
            // Far beyond the offsets the running ledger uses: the event store keeps one copy per (partition, offset).
            await history.ProjectAll([.. GeneratedStream.Generate(seed, commands: 1_500, days: 20).Select(e => e with { Offset = e.Offset + 1_000_000_000 })], seed);

        using (var deposit = await ledger.Post("/v1/deposits", new { userId = "alice", asset = "USD", amount = "12.34" }, "read-1"))
            Assert.True(deposit.StatusCode == HttpStatusCode.Created, $"{deposit.StatusCode}\n{ledger.Logs}");
        await Eventually.Until(async () => (await ledger.GetJson("/v1/accounts/alice/entries")).GetProperty("entries").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), "alice's deposit is projected");

        await Entries_page_through_every_posting(ledger);
        await Orders_filter_by_status(ledger);
        await Daily_statistics_answer_json_and_csv(ledger);
        await Bad_queries_are_400(ledger);

        var lag = await ledger.GetJson("/v1/projection/lag");
        Assert.Equal(3, lag.GetProperty("partitions").GetArrayLength());
        Assert.Equal(0, lag.GetProperty("totalLag").GetInt64());
        Assert.Contains(lag.GetProperty("partitions").EnumerateArray(), p => p.GetProperty("lastEventTime").ValueKind == JsonValueKind.String);
    }

    private static async Task Entries_page_through_every_posting(RunningLedger ledger)
    {
        var expected = await ledger.Postgres.Scalar<long>("select count(*) from ledger_entries where owner_id = 'user-01'");
        var seen = 0L;
        var sequences = new List<long>();
        string? cursor = null;
        do
        {
            var page = await ledger.GetJson($"/v1/accounts/user-01/entries?limit=7{(cursor is null ? "" : $"&cursor={cursor}")}");
            seen += page.GetProperty("entries").GetArrayLength();
            sequences.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
            Assert.True(page.GetProperty("asOf").GetProperty("eventSequence").GetInt64() > 0);
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        Assert.Equal(expected, seen);
        Assert.Equal(sequences.Order(), sequences);

        var usd = await ledger.GetJson("/v1/accounts/alice/entries?asset=USD");
        var entry = Assert.Single(usd.GetProperty("entries").EnumerateArray());
        Assert.Equal("12.34", entry.GetProperty("amount").GetString());
        Assert.Equal("available", entry.GetProperty("book").GetString());
    }

    private static async Task Orders_filter_by_status(RunningLedger ledger)
    {
        var open = await ledger.GetJson("/v1/accounts/user-02/orders?status=open&limit=1000");
        Assert.Equal(await ledger.Postgres.Scalar<long>("select count(*) from orders where user_id = 'user-02' and status = 'open'"),
            open.GetProperty("orders").GetArrayLength());
        Assert.All(open.GetProperty("orders").EnumerateArray(), o => Assert.Equal("open", o.GetProperty("status").GetString()));
        var first = await ledger.GetJson("/v1/accounts/user-02/orders?limit=2");
        Assert.Equal(2, first.GetProperty("orders").GetArrayLength());
        var second = await ledger.GetJson($"/v1/accounts/user-02/orders?limit=2&cursor={first.GetProperty("nextCursor").GetString()}");
        Assert.True(second.GetProperty("orders")[0].GetProperty("placedSequence").GetInt64()
            > first.GetProperty("orders")[1].GetProperty("placedSequence").GetInt64());
    }

    private static async Task Daily_statistics_answer_json_and_csv(RunningLedger ledger)
    {
        var stats = await ledger.GetJson("/v1/stats/daily?from=2026-01-01&to=2026-01-31&asset=USD");
        var days = stats.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(await ledger.Postgres.Scalar<long>("select count(*) from stats_daily where asset = 'USD' and day <= '2026-01-31'"), days.Count);
        var deposits = days.Sum(d => decimal.Parse(d.GetProperty("deposits").GetProperty("amount").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(await ledger.Postgres.Scalar<decimal>("select sum(deposits_amount) / 100.0 from stats_daily where asset = 'USD' and day <= '2026-01-31'"), deposits);
        Assert.True(days[0].GetProperty("activeUsers").GetInt64() > 0);
        Assert.True(stats.TryGetProperty("asOf", out _));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stats/daily/users/user-03?from=2026-01-01&to=2026-12-31");
        request.Headers.Accept.ParseAdd("text/csv");
        using var csv = await ledger.Http.SendAsync(request);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.StartsWith("day,asset,deposits_count,deposits_amount", lines[0]);
        Assert.Equal(await ledger.Postgres.Scalar<long>("select count(*) from stats_daily_user where user_id = 'user-03'"), lines.Length - 1);
        Assert.True(csv.Headers.Contains("Ledger-As-Of-Sequence"));
    }

    private static async Task Bad_queries_are_400(RunningLedger ledger)
    {
        string[] bad =
        [
            "/v1/stats/daily?from=2026-13-01&to=2026-12-31",
            "/v1/stats/daily?from=2026-02-01&to=2026-01-01",
            "/v1/stats/daily?from=2025-01-01&to=2026-01-02",
            "/v1/stats/daily?to=2026-01-02",
            "/v1/stats/daily?from=2026-01-01&to=2026-01-02&asset=XYZ",
            "/v1/stats/daily/users/user-01?from=2026-01-01&to=nope",
            "/v1/accounts/user-01/entries?limit=0",
            "/v1/accounts/user-01/entries?limit=1001",
            "/v1/accounts/user-01/entries?limit=ten",
            "/v1/accounts/user-01/entries?cursor=not-a-cursor",
            "/v1/accounts/user-01/entries?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk",
            "/v1/accounts/user-01/entries?asset=XYZ",
            "/v1/accounts/user-01/orders?status=sleeping",
            "/v1/accounts/user-01/orders?cursor=%%%",
        ];
        foreach (var path in bad)
        {
            using var response = await ledger.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
