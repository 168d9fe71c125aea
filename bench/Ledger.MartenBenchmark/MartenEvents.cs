using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Projector.Projection;

namespace Ledger.MartenBenchmark;

/// <summary>
/// One record of ledger.events as a Marten event: the columns the projector's event store keeps,
/// the postings on user books, and the event's delta to the daily statistics per (day, asset), made
/// by the projector's own DailyStatistics.Apply so both sides count by the same rule. Partition and
/// offset say which Kafka record it is, as the projector's events table does.
/// </summary>
public sealed record LedgerRecorded(
    int Partition, long Offset, Guid CommandId, string UserId, string IdempotencyKey, string Type, string Asset,
    string? RejectionCode, DateTimeOffset At, AccountMove[] Moves, StatisticsDelta[] Statistics, FlatStatistics Flat)
{
    public static LedgerRecorded From(ProjectedEvent projected)
    {
        var @event = projected.Message.Event;
        var moves = projected.Postings.Where(p => p.IsUserBook && p.Amount != 0)
            .GroupBy(p => AccountId(p.Owner, p.Asset))
            .Select(g => new AccountMove(g.Key,
                g.Where(p => p.Book == Book.Available).Sum(p => p.Amount), g.Where(p => p.Book == Book.Held).Sum(p => p.Amount)))
            .ToArray();
        var deltas = new DailyStatistics.Deltas();
        DailyStatistics.Apply(deltas, projected.Day, @event, projected.Postings);
        var statistics = deltas.ByAsset.Select(r => new StatisticsDelta(StatisticsId(r.Key.Day, r.Key.Asset), r.Value.Values)).ToArray();
        var own = statistics.FirstOrDefault(s => s.Id == StatisticsId(projected.Day, @event.Asset));
        return new LedgerRecorded(projected.Partition, projected.Offset, @event.Request.CommandId, @event.Request.UserId,
            @event.Request.IdempotencyKey, @event.GetType().Name, @event.Asset, (@event as IRejection)?.Code, @event.At,
            moves, statistics, FlatStatistics.Of(StatisticsId(projected.Day, @event.Asset), own?.Counters));
    }

    /// <summary>The FlatTableProjection's primary key (it reads a member of the event itself).</summary>
    public string FlatId => Flat.Id;

    public static string AccountId(string userId, string asset) => $"{userId}/{asset}";

    public static string StatisticsId(DateOnly day, string asset) => $"{day:yyyy-MM-dd}/{asset}";
}

/// <summary>What an event adds to one account's books (minor units).</summary>
public sealed record AccountMove(string Account, long Available, long Held);

/// <summary>What an event adds to one (day, asset) row: a value per DailyStatistics.Counters.</summary>
public sealed record StatisticsDelta(string Id, long[] Counters);

/// <summary>
/// The event's delta to the row of its own (day, asset) only, as members a FlatTableProjection can
/// map: that projection writes one row per event, so the parts of a fill that land on its other
/// asset's row (quote volume, a fee in the other asset) are not in it.
/// </summary>
public sealed record FlatStatistics(string Id, long DepositsCount, long DepositsAmount, long WithdrawalsCount,
    long WithdrawalsAmount, long VolumeBase, long VolumeQuote, long Fees, long OrdersPlaced, long OrdersFilled,
    long OrdersCancelled, long OrdersRejected)
{
    public static FlatStatistics Of(string id, long[]? c) => c is null
        ? new FlatStatistics(id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        : new FlatStatistics(id, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);

    public long[] Counters() =>
    [
        DepositsCount, DepositsAmount, WithdrawalsCount, WithdrawalsAmount, VolumeBase, VolumeQuote, Fees, OrdersPlaced,
        OrdersFilled, OrdersCancelled, OrdersRejected,
    ];
}

/// <summary>The next offset to read of one partition of ledger.events, saved with the batch's events.</summary>
public sealed class KafkaOffset
{
    public string Id { get; set; } = "";
    public long NextOffset { get; set; }
}
