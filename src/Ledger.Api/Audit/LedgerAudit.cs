using System.Data;
using Ledger.Api.Writer;
using Ledger.Domain.Markets;
using Ledger.Kafka;
using Ledger.Contracts;
using Npgsql;

namespace Ledger.Api.Audit;

/// <summary>
/// Checks a live ledger against the properties it must always hold (ARCHITECTURE.md): postings sum
/// to zero, the balance cache equals a replay of the log, no balance below zero, every command
/// applied at most once, every accepted command decided, every transfer's steps matching and complete. One piece of code behind GET /v1/audit,
/// `./ledger audit` (`dotnet Ledger.Api.dll audit`) and the fault tests.
/// PostgreSQL is read in ONE read-only REPEATABLE READ transaction, so every SQL check sees the same
/// snapshot; Kafka is read after the snapshot, so everything the snapshot holds is already on it.
/// </summary>
public sealed class LedgerAudit(
    NpgsqlDataSource database,
    KafkaOptions kafka,
    BootstrapServers bootstrap,
    EventCodec events,
    CommandCodec commands,
    MarketCatalog markets,
    WriterOptions writer,
    AuditOptions options)
{
    // An audit reads every table and topic whole: one at a time per process is plenty.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <returns>The report, or null when another audit is running in this process.</returns>
    public async Task<AuditReport?> TryRun(CancellationToken cancellation)
    {
        if (!await _oneAtATime.WaitAsync(TimeSpan.Zero, cancellation)) return null;
        try { return await Run(cancellation); }
        finally { _oneAtATime.Release(); }
    }

    public async Task<AuditReport> Run(CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellation);
        var sql = new AuditSql(connection, options);
        await sql.Execute("set transaction read only", cancellation);
        var asOf = await sql.AsOf(cancellation); // the first query fixes the snapshot
        var projected = await sql.ProjectorOffsets(kafka.EventsTopic, cancellation);

        // What proves how far the writers got (committed offsets, dead letters) is read BEFORE the events:
        // a writer commits its offsets in the transaction that produces the events, and decides a
        // partition's commands in order, so every command before those points has its decision on the log.
        var committed = await Task.Run(() => KafkaLog.Committed(bootstrap.Value, kafka.WriterGroup, kafka.CommandsTopic,
            kafka.Partitions, options.KafkaStallTimeout), cancellation);
        var deadLettered = await Task.Run(() => CommandChecks.DeadLettered(bootstrap.Value, kafka, options, cancellation), cancellation);
        var log = await Task.Run(() => EventLog.Read(bootstrap.Value, kafka, events, options.KafkaStallTimeout, cancellation), cancellation);

        var checks = new List<AuditCheck>
        {
            await sql.PostingsSumToZero(cancellation),
        };
        checks.AddRange(await StoreChecks.ReplayAndCompare(sql, log, projected, events, markets, writer.IdempotencyWindow, options, cancellation));
        checks.Add(await sql.NoNegativeBalance(cancellation));
        checks.Add(await sql.AppliedAtMostOnce(writer.IdempotencyWindow, cancellation));
        var sagas = TransferChecks.Sagas.Of(log);
        var (decided, commandCoverage) = await Task.Run(() => CommandChecks.AcceptedCommandsDecided(
            bootstrap.Value, kafka, commands, log, committed, deadLettered, sagas.AwaitedCommands(), options, cancellation), cancellation);
        checks.Add(decided);
        checks.Add(sagas.Check(commandCoverage, [.. log.Extents.Select(e => e.Start)], options));

        var covers = new AuditCoverage([.. Enumerable.Range(0, kafka.Partitions).Select(p => new PartitionCoverage(p,
            projected.TryGetValue(p, out var next) ? next : null, log.Extents[p].Start, log.Extents[p].End,
            commandCoverage.HeldFrom[p], commandCoverage.ReachedUpTo[p]))]);
        return new AuditReport(checks.All(c => c.Ok), asOf, covers, checks);
    }
}
