using Ledger.Domain;
using Ledger.Domain.Orders;
using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// Daily statistics per (UTC day, asset) and per (day, user, asset), built incrementally: a batch is
/// folded in memory into one delta per row key, then added to exactly the rows of the batch's days
/// with "on conflict do update set x = x + excluded.x". No statement reads history, so the cost of
/// an event does not grow with the days behind it. Active users are counted through a membership
/// table: only members newly inserted for (day, asset) add to active_users.
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

    /// <summary>A batch folded into deltas: per (day, asset), per (day, user, asset), and who was active.</summary>
    public sealed class Deltas
    {
        public Dictionary<(DateOnly Day, string Asset), Totals> ByAsset { get; } = new();
        public Dictionary<(DateOnly Day, string UserId, string Asset), Totals> ByUser { get; } = new();
        public HashSet<(DateOnly Day, string Asset, string UserId)> Members { get; } = new();

        /// <summary>Adds to the asset's row and the user's row of the day.</summary>
        public void Add(DateOnly day, string userId, string asset, int counter, long amount)
        {
            RowOf(ByAsset, (day, asset)).Add(counter, amount);
            RowOf(ByUser, (day, userId, asset)).Add(counter, amount);
        }

        /// <summary>A user took part in the asset that day; the day's asset row exists even if nothing else changed.</summary>
        public void Member(DateOnly day, string userId, string asset)
        {
            if (asset.Length == 0) return;
            Members.Add((day, asset, userId));
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
        foreach (var projected in batch) Apply(deltas, projected.Day, projected.Message.Event);
        return deltas;
    }

    /// <summary>What one event adds to its day. Trades: base volume on the base asset's row, quote
    /// volume on the quote asset's row, the fee on the row of the asset it was taken in; order counts
    /// on the row of the asset the order holds (quote for a buy, base for a sell).</summary>
    public static void Apply(Deltas deltas, DateOnly day, LedgerEvent @event)
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
        foreach (var posting in @event.Postings)
        {
            if (posting.IsUserBook) deltas.Member(day, posting.Owner, posting.Asset);
        }
    }

    public static async Task Apply(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        var deltas = Fold(batch);
        if (deltas.ByAsset.Count > 0) await AddByAsset(connection, deltas, cancellation);
        if (deltas.ByUser.Count > 0) await AddByUser(connection, deltas, cancellation);
    }

    private static string Additions(string table) =>
        string.Join(", ", Counters.Select(c => $"{c} = {table}.{c} + excluded.{c}"));

    private static string CounterArrays(int firstParameter) =>
        string.Join(", ", Counters.Select((_, i) => $"${firstParameter + i}::bigint[]"));

    private static void AddCounters<TKey>(NpgsqlCommand command, List<KeyValuePair<TKey, Totals>> rows)
    {
        for (var counter = 0; counter < Counters.Count; counter++)
        {
            var index = counter;
            command.Parameters.AddWithValue(rows.Select(r => r.Value.Values[index]).ToArray());
        }
    }

    /// <summary>One statement: insert the day's members, count the new ones per (day, asset), and add
    /// them with the counters. A member already known (a redelivery, another batch) adds nothing.</summary>
    private static async Task AddByAsset(NpgsqlConnection connection, Deltas deltas, CancellationToken cancellation)
    {
        var columns = string.Join(", ", Counters);
        var rows = deltas.ByAsset.ToList();
        var members = deltas.Members.ToList();
        await using var command = new NpgsqlCommand($"""
            with fresh as (
                insert into stats_daily_members (day, asset, user_id)
                select * from unnest($1::date[], $2::text[], $3::text[])
                on conflict do nothing
                returning day, asset),
            counted as (select day, asset, count(*) as users from fresh group by day, asset)
            insert into stats_daily (day, asset, {columns}, active_users)
            select d.day, d.asset, {string.Join(", ", Counters.Select(c => "d." + c))}, coalesce(c.users, 0)
              from unnest($4::date[], $5::text[], {CounterArrays(6)}) as d(day, asset, {columns})
              left join counted c on c.day = d.day and c.asset = d.asset
            on conflict (day, asset) do update set {Additions("stats_daily")},
                active_users = stats_daily.active_users + excluded.active_users
            """, connection);
        command.Parameters.AddWithValue(members.Select(m => m.Day).ToArray());
        command.Parameters.AddWithValue(members.Select(m => m.Asset).ToArray());
        command.Parameters.AddWithValue(members.Select(m => m.UserId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Key.Day).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Key.Asset).ToArray());
        AddCounters(command, rows);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    private static async Task AddByUser(NpgsqlConnection connection, Deltas deltas, CancellationToken cancellation)
    {
        var columns = string.Join(", ", Counters);
        var rows = deltas.ByUser.ToList();
        await using var command = new NpgsqlCommand($"""
            insert into stats_daily_user (day, user_id, asset, {columns})
            select * from unnest($1::date[], $2::text[], $3::text[], {CounterArrays(4)})
            on conflict (day, user_id, asset) do update set {Additions("stats_daily_user")}
            """, connection);
        command.Parameters.AddWithValue(rows.Select(r => r.Key.Day).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Key.UserId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Key.Asset).ToArray());
        AddCounters(command, rows);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
