using JasperFx.Events;
using Marten.Events.Projections;
using Marten.Events.Projections.Flattened;
using Weasel.Postgresql.Tables;

namespace Ledger.MartenBenchmark;

/// <summary>The balance cache as Marten documents: one per (user, asset), id "user/asset".</summary>
public sealed class AccountBalance
{
    public string Id { get; set; } = "";
    public long Available { get; set; }
    public long Held { get; set; }
}

/// <summary>Daily statistics per (day, asset) as Marten documents, id "yyyy-MM-dd/asset".</summary>
public sealed class DailyAssetStatistics
{
    public string Id { get; set; } = "";
    public long[] Counters { get; set; } = new long[Ledger.Projector.Projection.DailyStatistics.Counters.Count];
}

/// <summary>Each event adds its moves to the accounts it touches, whatever stream it is in.</summary>
public sealed class AccountBalanceProjection : MultiStreamProjection<AccountBalance, string>
{
    public AccountBalanceProjection()
    {
        Name = "balances";
        Identities<LedgerRecorded>(e => e.Moves.Select(m => m.Account).ToArray());
    }

    public override AccountBalance Evolve(AccountBalance? snapshot, string id, IEvent e)
    {
        snapshot ??= new AccountBalance { Id = id };
        if (e.Data is not LedgerRecorded recorded) return snapshot;
        foreach (var move in recorded.Moves)
        {
            if (move.Account != id) continue;
            snapshot.Available = checked(snapshot.Available + move.Available);
            snapshot.Held = checked(snapshot.Held + move.Held);
        }
        return snapshot;
    }
}

/// <summary>Each event adds its deltas to the (day, asset) rows it touches.</summary>
public sealed class DailyAssetStatisticsProjection : MultiStreamProjection<DailyAssetStatistics, string>
{
    public DailyAssetStatisticsProjection()
    {
        Name = "statistics";
        Identities<LedgerRecorded>(e => e.Statistics.Select(s => s.Id).ToArray());
    }

    public override DailyAssetStatistics Evolve(DailyAssetStatistics? snapshot, string id, IEvent e)
    {
        snapshot ??= new DailyAssetStatistics { Id = id };
        if (e.Data is not LedgerRecorded recorded) return snapshot;
        foreach (var delta in recorded.Statistics)
        {
            if (delta.Id != id) continue;
            for (var i = 0; i < delta.Counters.Length; i++) snapshot.Counters[i] = checked(snapshot.Counters[i] + delta.Counters[i]);
        }
        return snapshot;
    }
}

/// <summary>The daily statistics as a FlatTableProjection: one upsert per event, on its own (day, asset) row.</summary>
public static class FlatStatisticsProjection
{
    public const string Table = "flat_stats_daily";

    public static FlatTableProjection Create()
    {
        var projection = new FlatTableProjection(Table, SchemaNameSource.EventSchema) { Name = "flat_statistics" };
        projection.Table.AddColumn<string>("id").AsPrimaryKey();
        projection.Project<LedgerRecorded>(map =>
        {
            map.Increment(e => e.Flat.DepositsCount, "deposits_count");
            map.Increment(e => e.Flat.DepositsAmount, "deposits_amount");
            map.Increment(e => e.Flat.WithdrawalsCount, "withdrawals_count");
            map.Increment(e => e.Flat.WithdrawalsAmount, "withdrawals_amount");
            map.Increment(e => e.Flat.VolumeBase, "volume_base");
            map.Increment(e => e.Flat.VolumeQuote, "volume_quote");
            map.Increment(e => e.Flat.Fees, "fees");
            map.Increment(e => e.Flat.OrdersPlaced, "orders_placed");
            map.Increment(e => e.Flat.OrdersFilled, "orders_filled");
            map.Increment(e => e.Flat.OrdersCancelled, "orders_cancelled");
            map.Increment(e => e.Flat.OrdersRejected, "orders_rejected");
        }, e => e.FlatId);
        return projection;
    }
}
