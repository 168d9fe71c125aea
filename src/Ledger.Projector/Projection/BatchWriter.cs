using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// Writes one batch in ONE PostgreSQL transaction: the events, every read model, and the offsets
/// consumed. Either all of it is committed or none of it, so every event takes effect exactly once.
/// </summary>
public static class BatchWriter
{
    /// <param name="stored">Per partition, the next offset this projector read or last wrote (null: none stored).</param>
    /// <returns>The next offset per partition the batch advanced to.</returns>
    public static async Task<Dictionary<int, long>> Write(NpgsqlDataSource database, string topic,
        IReadOnlyList<ProjectedEvent> batch, IReadOnlyDictionary<int, long?> stored, CancellationToken cancellation)
    {
        var next = batch.GroupBy(e => e.Partition).ToDictionary(g => g.Key, g => g.Max(e => e.Offset) + 1);
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        // Offsets first: a batch delivered again from a stale position (a crash between the PostgreSQL
        // and the Kafka commit, a zombie) is refused as fenced before any row is written.
        await ProjectorOffsets.Advance(connection, topic, next, stored, cancellation);
        var sequenced = await EventStore.Append(connection, batch, cancellation);
        await ReadModels.Apply(connection, sequenced, cancellation);
        await transaction.CommitAsync(cancellation);
        return next;
    }
}

/// <summary>Every projection built from the events, in the order they run. Unqualified table names:
/// the rebuild runs the same code with search_path set to its fresh tables.</summary>
public static class ReadModels
{
    public static async Task Apply(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        await BalanceCache.Apply(connection, batch, cancellation);
        await OrdersProjection.Apply(connection, batch, cancellation);
        await LedgerEntries.Append(connection, batch, cancellation);
        await DailyStatistics.Apply(connection, batch, cancellation);
    }

    /// <summary>The tables these projections own; the rebuild makes fresh copies of exactly these.</summary>
    public static readonly IReadOnlyList<string> Tables =
        ["balances", "orders", "ledger_entries", "stats_daily", "stats_daily_user"];
}
