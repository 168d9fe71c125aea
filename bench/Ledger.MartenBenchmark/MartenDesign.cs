using System.Diagnostics;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Ledger.Projector.Projection;
using Marten;
using Marten.Events;
using Npgsql;

namespace Ledger.MartenBenchmark;

/// <summary>How the batch's events become Marten streams.</summary>
public enum Streams
{
    /// <summary>A stream per user; each batch appends a user's events in one call.</summary>
    PerUser,
    /// <summary>A stream per user; one append call per event, in the batch's order.</summary>
    PerUserOneCallPerEvent,
    /// <summary>A stream per Kafka partition (the log's own order): 12 streams per batch at most.</summary>
    PerPartition,
    /// <summary>New streams per batch and partition: what a bulk import needs (it COPYs mt_streams rows).</summary>
    PerBatchAndPartition,
}

public enum Append { Rich, Quick, BulkImport }

/// <summary>Where a projection runs: in the batch's transaction, by the async daemon, or not at all.</summary>
public enum Runs { Inline, Daemon, Not }

/// <summary>One Marten configuration measured against the projector.</summary>
public sealed record MartenDesign(string Name, Append Append, Streams Streams, Runs Balances, Runs Statistics,
    bool FlatStatistics = false, int BatchSize = 2_000, int DaemonBatchSize = 500, bool Analyze = true, bool Rebuild = false,
    bool DaemonAlongside = false)
{
    public const string Topic = "bench.events";

    public bool UsesDaemon => Balances == Runs.Daemon || Statistics == Runs.Daemon;

    public DocumentStore Store(string connectionString) => DocumentStore.For(options =>
    {
        options.Connection(connectionString);
        options.DisableNpgsqlLogging = true;
        // The daemon is built and started by the benchmark itself, not by a host.
        options.Projections.AsyncMode = DaemonMode.Solo;
        options.AutoCreateSchemaObjects = AutoCreate.All;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = Append == Append.Rich ? EventAppendMode.Rich : EventAppendMode.Quick;
        options.Events.AddEventType<LedgerRecorded>();
        options.Schema.For<KafkaOffset>();
        options.Schema.For<AccountBalance>();
        options.Schema.For<DailyAssetStatistics>();
        if (Balances != Runs.Not) options.Projections.Add(new AccountBalanceProjection(), Lifecycle(Balances), o => o.BatchSize = DaemonBatchSize);
        if (Statistics == Runs.Not) return;
        if (FlatStatistics) options.Projections.Add(FlatStatisticsProjection.Create(), Lifecycle(Statistics), o => o.BatchSize = DaemonBatchSize);
        else options.Projections.Add(new DailyAssetStatisticsProjection(), Lifecycle(Statistics), o => o.BatchSize = DaemonBatchSize);
    });

    private static ProjectionLifecycle Lifecycle(Runs runs) => runs == Runs.Inline ? ProjectionLifecycle.Inline : ProjectionLifecycle.Async;

    public sealed record Timings(TimeSpan Append, TimeSpan Analyze, TimeSpan CatchUp, TimeSpan? Rebuild)
    {
        public TimeSpan Total => Append + Analyze + CatchUp;
    }

    /// <summary>Appends every batch (events and offsets in one transaction each), then, for a daemon
    /// design, refreshes mt_events' statistics and lets the daemon catch up.</summary>
    public async Task<Timings> Run(DocumentStore store, string connectionString, IReadOnlyList<LedgerRecorded[]> batches)
    {
        if (DaemonAlongside) return await RunAlongside(store, connectionString, batches);
        var append = await AppendAll(store, batches);
        if (!UsesDaemon) return new Timings(append, TimeSpan.Zero, TimeSpan.Zero, null);

        var clock = Stopwatch.StartNew();
        if (Analyze) await Execute(connectionString, "analyze mt_events");
        var analyze = clock.Elapsed;
        clock.Restart();
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await daemon.WaitForNonStaleData(TimeSpan.FromMinutes(10));
        var catchUp = clock.Elapsed;
        TimeSpan? rebuild = null;
        if (Rebuild)
        {
            await daemon.StopAllAsync();
            clock.Restart();
            foreach (var name in new[] { "balances", FlatStatistics ? "flat_statistics" : "statistics" })
                await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(10), CancellationToken.None);
            rebuild = clock.Elapsed;
        }
        await daemon.StopAllAsync();
        return new Timings(append, analyze, catchUp, rebuild);
    }

    /// <summary>As deployed: the daemon already running (its start is not timed) while the batches are
    /// appended; mt_events is analysed after the first batch, as autovacuum would keep it analysed.
    /// Timed until the daemon has caught up with the last event.</summary>
    private async Task<Timings> RunAlongside(DocumentStore store, string connectionString, IReadOnlyList<LedgerRecorded[]> batches)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        var clock = Stopwatch.StartNew();
        var analyze = TimeSpan.Zero;
        for (var i = 0; i < batches.Count; i++)
        {
            await AppendAll(store, [batches[i]], firstBatchIndex: i);
            if (i != 0 || !Analyze) continue;
            var analyzing = Stopwatch.StartNew();
            await Execute(connectionString, "analyze mt_events");
            analyze = analyzing.Elapsed;
        }
        var append = clock.Elapsed - analyze;
        await daemon.WaitForNonStaleData(TimeSpan.FromMinutes(10));
        var catchUp = clock.Elapsed - append - analyze;
        await daemon.StopAllAsync();
        return new Timings(append, analyze, catchUp, null);
    }

    /// <summary>Every batch, one transaction each.</summary>
    public async Task<TimeSpan> AppendAll(DocumentStore store, IReadOnlyList<LedgerRecorded[]> batches, int firstBatchIndex = 0)
    {
        var clock = Stopwatch.StartNew();
        var batchIndex = firstBatchIndex;
        foreach (var batch in batches)
        {
            if (Append == Append.BulkImport) await BulkImport(store, batch, batchIndex++);
            else await AppendInSession(store, batch);
        }
        return clock.Elapsed;
    }

    private async Task AppendInSession(DocumentStore store, LedgerRecorded[] batch)
    {
        await using var session = store.LightweightSession();
        switch (Streams)
        {
            case Streams.PerUser:
                foreach (var stream in batch.GroupBy(e => e.UserId)) session.Events.Append(stream.Key, stream.Cast<object>().ToArray());
                break;
            case Streams.PerUserOneCallPerEvent:
                foreach (var e in batch) session.Events.Append(e.UserId, e);
                break;
            case Streams.PerPartition:
                foreach (var stream in batch.GroupBy(e => e.Partition)) session.Events.Append(PartitionStream(stream.Key), stream.Cast<object>().ToArray());
                break;
            default:
                throw new InvalidOperationException($"{Streams} streams are for the bulk import");
        }
        foreach (var partition in batch.GroupBy(e => e.Partition))
            session.Store(new KafkaOffset { Id = OffsetId(partition.Key), NextOffset = partition.Max(e => e.Offset) + 1 });
        await session.SaveChangesAsync();
    }

    /// <summary>BulkInsertEventStreamAsync: a COPY of mt_streams and mt_events in a transaction of its
    /// own (no document can join it), so the offsets are the (partition, offset) the events carry.</summary>
    private static async Task BulkImport(DocumentStore store, LedgerRecorded[] batch, int batchIndex)
    {
        var streams = batch.GroupBy(e => e.Partition).ToList();
        var headers = streams.Select(s => new BulkEventStreamHeader { Key = BatchStream(s.Key, batchIndex), Version = s.Count() }).ToList();
        await store.BulkInsertEventStreamAsync(StorageConstants.DefaultTenantId, headers, Events(), batch.Length);
        return;

        async IAsyncEnumerable<IEvent> Events()
        {
            var versions = new Dictionary<int, long>();
            foreach (var recorded in batch)
            {
                var version = versions[recorded.Partition] = versions.GetValueOrDefault(recorded.Partition) + 1;
                yield return new Event<LedgerRecorded>(recorded)
                {
                    Id = Guid.NewGuid(), StreamKey = BatchStream(recorded.Partition, batchIndex), Version = version,
                    Timestamp = DateTimeOffset.UtcNow,
                };
            }
            await Task.CompletedTask;
        }
    }

    public static string OffsetId(int partition) => $"{Topic}/{partition}";

    private static string PartitionStream(int partition) => $"partition-{partition}";

    private static string BatchStream(int partition, int batch) => $"partition-{partition}-batch-{batch}";

    public static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
