using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Orders;
using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// Daily statistics per (UTC day, asset) and per (day, user, asset), built incrementally: a batch is
/// folded in memory into one delta per row key, then added to exactly the rows of the batch's days
/// with "on conflict do update set x = x + excluded.x". No statement reads history, so the cost of
/// an event does not grow with the days behind it. A user active in an asset on a day has a
/// (day, user, asset) row, even if every counter in it is zero: active_users of (day, asset) grows
/// by the rows the batch newly inserted there, so a user counts once however many events they have.
/// </summary>
public static class DailyStatistics
{
    /// <summary>The additive counters, in the order of <see cref="Totals.Values"/>.</summary>
    public static readonly IReadOnlyList<string> Counters =
    [
        "deposits_count", "deposits_amount", "withdrawals_count", "withdrawals_amount", "volume_base", "volume_quote",
        "fees", "orders_placed", "orders_filled", "orders_cancelled", "orders_rejected",
    ];

    private const int DepositsCount = 0, DepositsAmount = 1, WithdrawalsCount = 2, WithdrawalsAmount = 3, VolumeBase = 4,
        VolumeQuote = 5, Fees = 6, OrdersPlaced = 7, OrdersFilled = 8, OrdersCancelled = 9, OrdersRejected = 10;

    /// <summary>One row's delta: a value per counter.</summary>
    public sealed class Totals
    {
        public long[] Values { get; } = new long[Counters.Count];
        public void Add(int counter, long amount) => Values[counter] = checked(Values[counter] + amount);
    }

    /// <summary>A batch folded into deltas: per (day, asset) and per (day, user, asset).</summary>
    public sealed class Deltas
    {
        public Dictionary<(DateOnly Day, string Asset), Totals> ByAsset { get; } = new();
        public Dictionary<(DateOnly Day, string UserId, string Asset), Totals> ByUser { get; } = new();

        /// <summary>Adds to the asset's row and the user's row of the day.</summary>
        public void Add(DateOnly day, string userId, string asset, int counter, long amount)
        {
            RowOf(ByAsset, (day, asset)).Add(counter, amount);
            RowOf(ByUser, (day, userId, asset)).Add(counter, amount);
        }

        /// <summary>A user took part in the asset that day: both rows exist even if nothing else changed.</summary>
        public void Member(DateOnly day, string userId, string asset)
        {
            if (asset.Length == 0) return;
            RowOf(ByUser, (day, userId, asset));
            RowOf(ByAsset, (day, asset));
        }

        private static Totals RowOf<TKey>(Dictionary<TKey, Totals> rows, TKey key) where TKey : notnull
        {
            if (!rows.TryGetValue(key, out var totals)) rows[key] = totals = new Totals();
            return totals;
        }
    }

    public static Deltas Fold(IEnumerable<ProjectedEvent> batch)
    {
        var deltas = new Deltas();
        foreach (var projected in batch) Apply(deltas, projected.Day, projected.Message.Event, projected.Postings);
        return deltas;
    }

    /// <summary>What one event adds to its day. Trades: base volume on the base asset's row, quote
    /// volume on the quote asset's row, the fee on the row of the asset it was taken in; order counts
    /// on the row of the asset the order holds (quote for a buy, base for a sell).</summary>
    public static void Apply(Deltas deltas, DateOnly day, LedgerEvent @event, IReadOnlyList<Posting> postings)
    {
        var user = @event.Request.UserId;
        switch (@event)
        {
            case Deposited e:
                deltas.Add(day, user, e.Asset, DepositsCount, 1);
                deltas.Add(day, user, e.Asset, DepositsAmount, e.Amount);
                break;
            case Withdrawn e:
                deltas.Add(day, user, e.Asset, WithdrawalsCount, 1);
                deltas.Add(day, user, e.Asset, WithdrawalsAmount, e.Amount);
                break;
            case OrderPlaced e:
                deltas.Add(day, user, e.Asset, OrdersPlaced, 1);
                break;
            case OrderRejected { Asset.Length: > 0 } e:
                deltas.Add(day, user, e.Asset, OrdersRejected, 1);
                break;
            case OrderCancelled e:
                deltas.Add(day, user, e.Asset, OrdersCancelled, 1);
                break;
            case OrderFilled e:
                deltas.Add(day, user, e.Market.BaseAsset, VolumeBase, e.Quantity);
                deltas.Add(day, user, e.Market.QuoteAsset, VolumeQuote, e.QuoteAmount);
                deltas.Add(day, user, e.Side == Side.Buy ? e.Market.BaseAsset : e.Market.QuoteAsset, Fees, e.Fee);
                if (e.Completed) deltas.Add(day, user, e.Asset, OrdersFilled, 1);
                break;
        }
        deltas.Member(day, user, @event.Asset);
        foreach (var posting in postings)
        {
            if (posting.IsUserBook) deltas.Member(day, posting.Owner, posting.Asset);
        }
    }

    private static string Additions(string table) =>
        string.Join(", ", Counters.Select(c => $"{c} = {table}.{c} + excluded.{c}"));

    private static string CounterArrays(int firstParameter) =>
        string.Join(", ", Counters.Select((_, i) => $"${firstParameter + i}::bigint[]"));

    private static void AddCounters<TKey>(NpgsqlBatchCommand command, List<KeyValuePair<TKey, Totals>> rows)
    {
        for (var counter = 0; counter < Counters.Count; counter++)
        {
            var index = counter;
            command.Parameters.AddWithValue(rows.Select(r => r.Value.Values[index]).ToArray());
        }
    }

    /// <summary>
    /// One statement: add the user rows, count per (day, asset) those newly inserted (xmax = 0 marks a
    /// row this statement inserted rather than updated), and add them with the counters to the asset
    /// rows. A user already active that day (another batch, a redelivery) adds no active user. (An
    /// update joined to the batch's rows was tried: the planner scans the whole table for it.)
    /// </summary>
    /// <returns>Null when the batch adds to no row.</returns>
    public static NpgsqlBatchCommand? Add(Deltas deltas)
    {
        if (deltas.ByAsset.Count == 0) return null;
        var columns = string.Join(", ", Counters);
        // Rows go in the order of their primary keys: neighbours land on the same index pages (cheaper
        // to insert), and two projectors adding to the same (day, asset) rows lock them in one order.
        var users = deltas.ByUser.OrderBy(r => r.Key.Day).ThenBy(r => r.Key.UserId, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Asset, StringComparer.Ordinal).ToList();
        var assets = deltas.ByAsset.OrderBy(r => r.Key.Day).ThenBy(r => r.Key.Asset, StringComparer.Ordinal).ToList();
        var assetsFirst = 4 + Counters.Count;
        var command = new NpgsqlBatchCommand($"""
            with upserted as (
                insert into stats_daily_user (day, user_id, asset, {columns})
                select * from unnest($1::date[], $2::text[], $3::text[], {CounterArrays(4)})
                on conflict (day, user_id, asset) do update set {Additions("stats_daily_user")}
                returning day, asset, xmax = 0 as inserted),
            counted as (select day, asset, count(*) filter (where inserted) as users from upserted group by day, asset)
            insert into stats_daily (day, asset, {columns}, active_users)
            select d.day, d.asset, {string.Join(", ", Counters.Select(c => "d." + c))}, coalesce(c.users, 0)
              from unnest(${assetsFirst}::date[], ${assetsFirst + 1}::text[], {CounterArrays(assetsFirst + 2)}) as d(day, asset, {columns})
              left join counted c on c.day = d.day and c.asset = d.asset
            on conflict (day, asset) do update set {Additions("stats_daily")},
                active_users = stats_daily.active_users + excluded.active_users
            """);
        command.Parameters.AddWithValue(users.Select(r => r.Key.Day).ToArray());
        command.Parameters.AddWithValue(users.Select(r => r.Key.UserId).ToArray());
        command.Parameters.AddWithValue(users.Select(r => r.Key.Asset).ToArray());
        AddCounters(command, users);
        command.Parameters.AddWithValue(assets.Select(r => r.Key.Day).ToArray());
        command.Parameters.AddWithValue(assets.Select(r => r.Key.Asset).ToArray());
        AddCounters(command, assets);
        return command;
    }
}
