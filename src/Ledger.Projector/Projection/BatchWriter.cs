using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// Writes one batch in ONE PostgreSQL transaction: the events, every read model, and the offsets
/// consumed. Either all of it is committed or none of it, so every event takes effect exactly once.
/// Statements that do not need each other's answers share a round trip (NpgsqlBatch), so the round
/// trips of a batch do not grow with its partitions or read models.
/// </summary>
public static class BatchWriter
{
    /// <param name="stored">Per partition, the next offset this projector read or last wrote (null: none stored).</param>
    /// <returns>The next offset per partition the batch advanced to.</returns>
    public static async Task<Dictionary<int, long>> Write(NpgsqlDataSource database, string topic,
        IReadOnlyList<ProjectedEvent> batch, IReadOnlyDictionary<int, long?> stored, CancellationToken cancellation)
    {
        var next = batch.GroupBy(e => e.Partition).ToDictionary(g => g.Key, g => g.Max(e => e.Offset) + 1);
        if (batch.Count == 0) return next;
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var (sequenced, orders) = await AdvanceReserveAndRead(connection, topic, batch, next, stored, cancellation);
        // Folding the batch into rows needs no database: it runs on another core while PostgreSQL takes
        // the events' COPY.
        var folded = Task.Run(() => ReadModels.Fold(sequenced, orders), cancellation);
        await EventStore.Copy(connection, sequenced, cancellation);
        await ReadModels.Apply(connection, await folded, cancellation);
        await transaction.CommitAsync(cancellation);
        return next;
    }

    /// <summary>Offsets first: a batch delivered again from a stale position (a crash between the
    /// PostgreSQL and the Kafka commit, a zombie) is refused as fenced before any row is written. In
    /// the same round trip, the batch's sequences and the order rows the batch continues.</summary>
    private static async Task<(ProjectedEvent[] Sequenced, Dictionary<(string, string), OrdersProjection.OrderView> Orders)>
        AdvanceReserveAndRead(NpgsqlConnection connection, string topic, IReadOnlyList<ProjectedEvent> batch,
            Dictionary<int, long> next, IReadOnlyDictionary<int, long?> stored, CancellationToken cancellation)
    {
        var continued = OrdersProjection.Continued(batch);
        await using var commands = new NpgsqlBatch(connection)
        {
            BatchCommands = { ProjectorOffsets.Advance(topic, next, stored), EventStore.Reserve(batch.Count) },
        };
        if (continued.Count > 0) commands.BatchCommands.Add(OrdersProjection.Load(continued));
        await using var reader = await commands.ExecuteReaderAsync(cancellation);
        await ProjectorOffsets.CheckAdvanced(reader, topic, next, cancellation);
        if (!await reader.NextResultAsync(cancellation)) throw new InvalidOperationException("no sequences came back");
        var sequenced = await EventStore.Sequenced(reader, batch, cancellation);
        if (continued.Count == 0) return (sequenced, []);
        if (!await reader.NextResultAsync(cancellation)) throw new InvalidOperationException("no orders came back");
        return (sequenced, await OrdersProjection.Loaded(reader, cancellation));
    }
}

/// <summary>Every projection built from the events. Unqualified table names: the rebuild runs the
/// same code with search_path set to its fresh tables.</summary>
public static class ReadModels
{
    /// <summary>The batch's writes, made in memory from the batch and the order rows it continues.</summary>
    public sealed record Folded(LedgerEntries.Entry[] Entries, NpgsqlBatchCommand? OrdersCommand,
        NpgsqlBatchCommand? StatisticsCommand, BalanceCache.Changes Balances, NpgsqlBatchCommand? BalancesCommand);

    public static Folded Fold(IReadOnlyList<ProjectedEvent> batch, IReadOnlyDictionary<(string, string), OrdersProjection.OrderView> orders)
    {
        var balances = BalanceCache.Fold(batch);
        return new Folded(LedgerEntries.Rows(batch), OrdersProjection.Save(OrdersProjection.Changed(batch, orders)),
            DailyStatistics.Add(DailyStatistics.Fold(batch)), balances, BalanceCache.Add(balances));
    }

    /// <summary>The ledger entries copied, then every other write in one round trip, the balances last:
    /// what they come back as is checked against what the writer published.</summary>
    public static async Task Apply(NpgsqlConnection connection, Folded folded, CancellationToken cancellation)
    {
        await LedgerEntries.Append(connection, folded.Entries, cancellation);
        await using var writes = new NpgsqlBatch(connection);
        foreach (var command in new[] { folded.OrdersCommand, folded.StatisticsCommand, folded.BalancesCommand })
            if (command is not null) writes.BatchCommands.Add(command);
        if (writes.BatchCommands.Count == 0) return;
        // The reader skips the results of statements that return no rows: it stands on the balances'.
        await using var reader = await writes.ExecuteReaderAsync(cancellation);
        if (folded.BalancesCommand is not null) await BalanceCache.Check(reader, folded.Balances, cancellation);
    }

    /// <summary>The tables these projections own; the rebuild makes fresh copies of exactly these.</summary>
    public static readonly IReadOnlyList<string> Tables =
        ["balances", "orders", "ledger_entries", "stats_daily", "stats_daily_user"];
}
