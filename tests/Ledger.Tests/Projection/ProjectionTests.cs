using Ledger.Domain;
using Ledger.Domain.Orders;
using Ledger.Projector.Projection;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Projection;

/// <summary>The projections fed generated batches directly (no Kafka): redelivery, daily statistics
/// against an independent recomputation, orders.</summary>
public sealed class ProjectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task delivering_the_same_batch_twice_changes_nothing()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var stream = GeneratedStream.Generate(seed, commands: 1_500, days: 10);
        await using var database = await ProjectedDatabase.Create();
        var batches = GeneratedStream.Batches(stream, new Random(seed), 200).ToList();
        var stale = new Dictionary<int, long?>();
        foreach (var batch in batches.SkipLast(1))
        {
            await database.Project(batch);
        }
        foreach (var (partition, offset) in database.Stored) stale[partition] = offset;
        await database.Project(batches[^1]);
        var before = await database.Snapshot();
        var eventsBefore = await database.Postgres.Scalar<long>("select count(*) from events");

        // A crash after the PostgreSQL commit and before the Kafka commit: the batch comes again, with
        // the offsets as they were before it.
        await Assert.ThrowsAsync<ProjectorFenced>(() =>
            BatchWriter.Write(database.Source, ProjectedDatabase.Topic, batches[^1], stale, CancellationToken.None));

        Assert.Equal(before, await database.Snapshot());
        Assert.Equal(eventsBefore, await database.Postgres.Scalar<long>("select count(*) from events"));
        Assert.Equal(stream.Count, eventsBefore);
    }

    [Fact]
    public async Task daily_statistics_over_many_days_equal_a_recomputation_from_the_raw_events()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var stream = GeneratedStream.Generate(seed, commands: 6_000, days: 60);
        await using var database = await ProjectedDatabase.Create();
        await database.ProjectAll(stream, seed);

        var expected = Recompute(stream.Select(e => e.Message.Event));
        var actual = await database.Postgres.Scalar<string>("""
            select string_agg(concat_ws(' ', day, asset, deposits_count, deposits_amount, withdrawals_count, withdrawals_amount,
                volume_base, volume_quote, fees, orders_placed, orders_filled, orders_cancelled, orders_rejected, active_users),
                E'\n' order by day, asset)
              from stats_daily
            """);
        Assert.True(stream.Select(e => e.Day).Distinct().Count() >= 60, "the stream spans the days it should");
        Assert.Equal(expected, actual);

        var perUser = await database.Postgres.Scalar<long>("select sum(deposits_amount)::bigint from stats_daily_user where asset = 'USD'");
        Assert.Equal(stream.Select(e => e.Message.Event).OfType<Deposited>().Where(d => d.Asset == "USD").Sum(d => d.Amount), perUser);
    }

    /// <summary>The statistics as an analyst would compute them from the whole log, day by day,
    /// without the projector's deltas or its per-user rows.</summary>
    private static string Recompute(IEnumerable<LedgerEvent> events)
    {
        var facts = new List<(DateOnly Day, string Asset, string? User, int Counter, long Amount)>();
        foreach (var e in events)
        {
            var day = DateOnly.FromDateTime(e.At.UtcDateTime);
            var user = e.Request.UserId;
            if (e.Asset.Length > 0) facts.Add((day, e.Asset, user, -1, 0));
            foreach (var p in e.Postings.Where(p => p.IsUserBook)) facts.Add((day, p.Asset, p.Owner, -1, 0));
            switch (e)
            {
                case Deposited d: facts.Add((day, d.Asset, null, 0, 1)); facts.Add((day, d.Asset, null, 1, d.Amount)); break;
                case Withdrawn w: facts.Add((day, w.Asset, null, 2, 1)); facts.Add((day, w.Asset, null, 3, w.Amount)); break;
                case OrderPlaced o: facts.Add((day, o.Asset, null, 7, 1)); break;
                case OrderRejected { Asset.Length: > 0 } r: facts.Add((day, r.Asset, null, 10, 1)); break;
                case OrderCancelled c: facts.Add((day, c.Asset, null, 9, 1)); break;
                case OrderFilled f:
                    facts.Add((day, f.Market.BaseAsset, null, 4, f.Quantity));
                    facts.Add((day, f.Market.QuoteAsset, null, 5, f.QuoteAmount));
                    facts.Add((day, f.Side == Side.Buy ? f.Market.BaseAsset : f.Market.QuoteAsset, null, 6, f.Fee));
                    if (f.Completed) facts.Add((day, f.Asset, null, 8, 1));
                    break;
            }
        }
        return string.Join("\n", facts.GroupBy(f => (f.Day, f.Asset)).OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Asset, StringComparer.Ordinal)
            .Select(g => string.Join(" ", new object[] { g.Key.Day.ToString("yyyy-MM-dd"), g.Key.Asset }
                .Concat(Enumerable.Range(0, 11).Select(c => (object)g.Where(f => f.Counter == c).Sum(f => f.Amount)))
                .Append(g.Where(f => f.Counter == -1).Select(f => f.User).Distinct().Count()))));
    }

    [Fact]
    public async Task orders_follow_placement_fills_and_cancels()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var stream = GeneratedStream.Generate(seed, commands: 2_000, days: 5);
        await using var database = await ProjectedDatabase.Create();
        await database.ProjectAll(stream, seed);

        var events = stream.Select(e => e.Message.Event).ToList();
        var placed = events.OfType<OrderPlaced>().Select(o => (o.Request.UserId, o.OrderId)).Distinct().Count();
        Assert.Equal(placed, await database.Postgres.Scalar<long>("select count(*) from orders where status <> 'rejected'"));
        Assert.Equal(events.OfType<OrderCancelled>().Count(), await database.Postgres.Scalar<long>("select count(*) from orders where status = 'cancelled'"));
        Assert.Equal(events.OfType<OrderFilled>().Count(f => f.Completed), await database.Postgres.Scalar<long>("select count(*) from orders where status = 'filled'"));
        // What open orders still hold is exactly the held balances.
        Assert.Equal(await database.Postgres.Scalar<decimal>("select coalesce(sum(held), 0) from balances"),
            await database.Postgres.Scalar<decimal>("select coalesce(sum(held), 0) from orders where status = 'open'"));
        // Every posting is an entry, and they sum to zero per asset.
        Assert.Equal(events.Sum(e => e.Postings.Count), await database.Postgres.Scalar<long>("select count(*) from ledger_entries"));
        Assert.Equal(0L, await database.Postgres.Scalar<long>("select count(*) from (select asset from ledger_entries group by asset having sum(amount) <> 0) x"));
    }
}
