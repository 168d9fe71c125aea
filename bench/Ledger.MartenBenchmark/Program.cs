using System.Diagnostics;
using System.Globalization;
using Ledger.MartenBenchmark;
using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Ledger.Tests.Projection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Ledger's projector and Marten (event store, projections, async daemon) on the same generated
// events, each beside a raw binary COPY of the same event rows, in alternating rounds; then a kill -9
// of a process running Marten's daemon mid-catch-up. docs/adr/0001-read-side-projector.md reads it.
// LEDGER_BENCH_POSTGRES: a connection string of a role that may create databases (fresh ones are made
// and dropped). Arguments: [events, default 12000] [rounds, default 2] [markdown table file, optional] [--quick].
// Internal: "daemon-child CONNECTION" runs the crash check's daemon until it has caught up.
if (args is ["daemon-child", var childConnection]) return await DaemonCrash.Child(childConnection);

var admin = Environment.GetEnvironmentVariable("LEDGER_BENCH_POSTGRES")
    ?? throw new InvalidOperationException("set LEDGER_BENCH_POSTGRES to a connection string of a role that may create databases");
// --quick: only the designs the decision turns on (./ledger bench --quick stays a few minutes).
var quick = args.Contains("--quick");
var positional = args.Where(a => a != "--quick").ToArray();
var eventsWanted = positional.Length > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 12_000;
var rounds = positional.Length > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 2;
var tableFile = positional.Length > 2 ? positional[2] : null;
const int Seed = 42;
var projectorBatch = new ProjectorOptions().BatchSizeMax;

// About one event per command (a command is decided into one event, a fill or refusal included).
var stream = GeneratedStream.Generate(Seed, commands: eventsWanted, days: 30, users: 1_000, partitions: 12);
var recorded = stream.Select(LedgerRecorded.From).ToList();
var check = new SumsCheck(stream, recorded);
var rawRows = stream.Select(e => e with { Sequence = e.Partition * 10_000_000L + e.Offset + 1 }).ToList();
var warmUp = GeneratedStream.Generate(Seed + 1, commands: Math.Min(1_500, eventsWanted / 4), days: 2, users: 200, partitions: 12);
Console.WriteLine($"machine: {Environment.ProcessorCount} cpus; {stream.Count} events of 1,000 users on 12 partitions, seed {Seed}; " +
    $"{rounds} rounds after a warm-up; load average at the start {LoadAverage()}");

var designs = new List<MartenDesign>
{
    new("rich append, stream per user, both inline", Append.Rich, Streams.PerUser, Runs.Inline, Runs.Inline),
    new("quick append, stream per user, both inline", Append.Quick, Streams.PerUser, Runs.Inline, Runs.Inline),
    new("quick append, stream per user, one append call per event, both inline", Append.Quick, Streams.PerUserOneCallPerEvent, Runs.Inline, Runs.Inline),
    new("quick append, stream per partition, both inline", Append.Quick, Streams.PerPartition, Runs.Inline, Runs.Inline),
    new("quick append, stream per partition, both inline, batch 500", Append.Quick, Streams.PerPartition, Runs.Inline, Runs.Inline, BatchSize: 500),
    new("quick append, stream per partition, both inline, batch 5000", Append.Quick, Streams.PerPartition, Runs.Inline, Runs.Inline, BatchSize: 5_000),
    new("quick append, stream per partition, balances inline, FlatTableProjection statistics inline", Append.Quick, Streams.PerPartition, Runs.Inline, Runs.Inline, FlatStatistics: true),
    new("quick append, stream per partition, balances inline, statistics by the daemon", Append.Quick, Streams.PerPartition, Runs.Inline, Runs.Daemon),
    new("quick append, stream per partition, balances alone, by the daemon", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Not),
    new("quick append, stream per partition, statistics alone, by the daemon", Append.Quick, Streams.PerPartition, Runs.Not, Runs.Daemon),
    new("quick append, stream per partition, both by the daemon", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon),
    new("quick append, stream per partition, both by the daemon running alongside the append", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon, DaemonAlongside: true),
    new("quick append, stream per partition, both by the daemon, mt_events never analysed", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon, Analyze: false),
    new("quick append, stream per partition, both by the daemon (pages of 5000), then a rebuild", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon, DaemonBatchSize: 5_000, Rebuild: true),
    new("quick append, stream per partition, balances by the daemon, FlatTableProjection statistics by the daemon", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon, FlatStatistics: true),
    new("quick append, stream per partition, events and offsets only", Append.Quick, Streams.PerPartition, Runs.Not, Runs.Not),
    new("bulk import (BulkInsertEventStreamAsync), both by the daemon", Append.BulkImport, Streams.PerBatchAndPartition, Runs.Daemon, Runs.Daemon),
    new("bulk import (BulkInsertEventStreamAsync), both by the daemon running alongside the import", Append.BulkImport, Streams.PerBatchAndPartition, Runs.Daemon, Runs.Daemon, DaemonAlongside: true),
    new("bulk import (BulkInsertEventStreamAsync), events only", Append.BulkImport, Streams.PerBatchAndPartition, Runs.Not, Runs.Not),
};
string[] quickDesigns =
[
    "quick append, stream per partition, both inline",
    "quick append, stream per partition, both by the daemon running alongside the append",
    "quick append, stream per partition, events and offsets only",
    "bulk import (BulkInsertEventStreamAsync), both by the daemon running alongside the import",
];
if (quick) designs.RemoveAll(d => !quickDesigns.Contains(d.Name));
const string ProjectorName = "Ledger's projector (events, balances, orders, entries, daily statistics per asset and per user, offsets)";
const string ProjectorSubsetName = "Ledger's projector's statements for Marten's read models only (events, balances, daily statistics, offsets)";
const string ProjectorBatch5000Name = "Ledger's projector, batch 5000";
var names = new[] { ProjectorName }.Concat(quick ? [] : [ProjectorBatch5000Name]).Append(ProjectorSubsetName)
    .Concat(designs.Select(d => d.Name)).ToList();
var measured = names.ToDictionary(n => n, _ => new List<Measured>());

for (var round = 0; round <= rounds; round++)
{
    var warm = round == 0;
    Console.WriteLine(warm ? "round 0 (warm-up on a small stream, not counted)" : $"round {round}");
    // Alternating: the order of the designs, and whether the COPY goes before or after its design, flip every round.
    var order = round % 2 == 1 ? names : Enumerable.Reverse(names).ToList();
    foreach (var name in order)
    {
        var events = warm ? warmUp : stream;
        var copyFirst = round % 2 == 1;
        double copy = 0;
        if (copyFirst) copy = await RawCopy(events);
        var (rate, detail, verdict) = name == ProjectorName ? await Projector(events, warm, projectorBatch)
            : name == ProjectorBatch5000Name ? await Projector(events, warm, 5_000)
            : name == ProjectorSubsetName ? await ProjectorSubset(events, warm)
            : await Marten(designs.Single(d => d.Name == name), warm ? warmUp.Select(LedgerRecorded.From).ToList() : recorded, warm);
        if (!copyFirst) copy = await RawCopy(events);
        var load = LoadAverage();
        Console.WriteLine($"  {name}: {rate:0} events/s{detail}; raw COPY beside it {copy:0} events/s, ratio {rate / copy:0.000}; {verdict}; load {load}");
        if (!warm) measured[name].Add(new Measured(rate, copy, load, verdict));
    }
}

var projectorRatio = Median(measured[ProjectorName].Select(m => m.Rate / m.Copy));
var subsetRatio = Median(measured[ProjectorSubsetName].Select(m => m.Rate / m.Copy));
var table = new System.Text.StringBuilder();
table.AppendLine($"{stream.Count:N0} events of 1,000 users on 12 partitions; every figure is the median of {rounds} rounds, each beside a raw COPY of the same event rows " +
    "measured right before or after it (the order alternates round by round). \"Of the projector\" is the design's ratio to its COPY over the projector's ratio to its COPY, " +
    "so the load's drift between them cancels out; \"of the same statements\" divides by the ratio of the projector's statements for Marten's read models only.");
table.AppendLine();
table.AppendLine("| design | events/s | raw COPY beside it, events/s | ratio to COPY | of Ledger's projector | of the same statements | load average (1, 5, 15 min) | sums |");
table.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
foreach (var name in names)
{
    var runs = measured[name];
    var ratio = Median(runs.Select(m => m.Rate / m.Copy));
    var verdicts = runs.Select(m => m.Verdict).Distinct().ToList();
    table.AppendLine($"| {name} | {Median(runs.Select(m => m.Rate)):N0} | {Median(runs.Select(m => m.Copy)):N0} | {ratio:0.000} | " +
        $"{ratio / projectorRatio:0.00} | {ratio / subsetRatio:0.00} | {string.Join("; ", runs.Select(m => m.Load))} | {string.Join("; ", verdicts)} |");
}
// The table goes to its file when one is named (the bench report puts it above this output), else here.
if (tableFile is not null) await File.WriteAllTextAsync(tableFile, table.ToString());
else Console.Write(Environment.NewLine + table);

Console.WriteLine();
Console.WriteLine(await DaemonCrash.Run(admin, stream, recorded, check));
Console.WriteLine($"load average at the end {LoadAverage()}");
return 0;

async Task<(double Rate, string Detail, string Verdict)> Projector(IReadOnlyList<ProjectedEvent> events, bool warm, int batchSize)
{
    await using var database = await BenchDatabase.Fresh(admin, ledgerSchema: true);
    var clock = Stopwatch.StartNew();
    var stored = new Dictionary<int, long?>();
    foreach (var batch in events.Chunk(batchSize))
        foreach (var (partition, offset) in await BatchWriter.Write(database.Source, MartenDesign.Topic, batch, stored, CancellationToken.None))
            stored[partition] = offset;
    var rate = events.Count / clock.Elapsed.TotalSeconds;
    return (rate, $" (batch {batchSize})", warm ? "warm-up" : await check.Projector(database.Source));
}

// The projector's own statements for what the Marten designs write, in the same round trips as
// BatchWriter (offsets and sequences, the events' COPY, then balances and statistics in one batch):
// no orders, no ledger entries.
async Task<(double Rate, string Detail, string Verdict)> ProjectorSubset(IReadOnlyList<ProjectedEvent> events, bool warm)
{
    await using var database = await BenchDatabase.Fresh(admin, ledgerSchema: true);
    var clock = Stopwatch.StartNew();
    var stored = new Dictionary<int, long?>();
    foreach (var batch in events.Chunk(projectorBatch))
    {
        var next = batch.GroupBy(e => e.Partition).ToDictionary(g => g.Key, g => g.Max(e => e.Offset) + 1);
        await using var connection = await database.Source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        ProjectedEvent[] sequenced;
        await using (var first = new NpgsqlBatch(connection) { BatchCommands = { ProjectorOffsets.Advance(MartenDesign.Topic, next, stored), EventStore.Reserve(batch.Length) } })
        await using (var reader = await first.ExecuteReaderAsync())
        {
            await ProjectorOffsets.CheckAdvanced(reader, MartenDesign.Topic, next, CancellationToken.None);
            await reader.NextResultAsync();
            sequenced = await EventStore.Sequenced(reader, batch, CancellationToken.None);
        }
        await EventStore.Copy(connection, sequenced, CancellationToken.None);
        var balances = BalanceCache.Fold(sequenced);
        await using (var writes = new NpgsqlBatch(connection))
        {
            if (DailyStatistics.Add(DailyStatistics.Fold(sequenced)) is { } statistics) writes.BatchCommands.Add(statistics);
            writes.BatchCommands.Add(BalanceCache.Add(balances)!);
            await using var reader = await writes.ExecuteReaderAsync();
            await BalanceCache.Check(reader, balances, CancellationToken.None);
        }
        await transaction.CommitAsync();
        foreach (var (partition, offset) in next) stored[partition] = offset;
    }
    var rate = events.Count / clock.Elapsed.TotalSeconds;
    return (rate, $" (batch {projectorBatch})", warm ? "warm-up" : await check.Projector(database.Source));
}

async Task<(double Rate, string Detail, string Verdict)> Marten(MartenDesign design, List<LedgerRecorded> events, bool warm)
{
    await using var database = await BenchDatabase.Fresh(admin, ledgerSchema: false);
    await using var store = design.Store(database.ConnectionString);
    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    var timings = await design.Run(store, database.ConnectionString, [.. events.Chunk(design.BatchSize)]);
    var rate = events.Count / timings.Total.TotalSeconds;
    var detail = $" (batch {design.BatchSize}; append {events.Count / timings.Append.TotalSeconds:0} events/s";
    if (design.UsesDaemon)
        detail += design.DaemonAlongside
            ? $", ANALYZE {timings.Analyze.TotalSeconds:0.00} s, the daemon caught up {timings.CatchUp.TotalSeconds:0.00} s after the append"
            : $", ANALYZE {timings.Analyze.TotalSeconds:0.00} s, daemon catch-up {events.Count / timings.CatchUp.TotalSeconds:0} events/s";
    if (timings.Rebuild is { } rebuild) detail += $", rebuild of both {events.Count / rebuild.TotalSeconds:0} events/s";
    detail += ")";
    return (rate, detail, warm ? "warm-up" : await check.Marten(database.Source, design));
}

// The event rows alone, written as the projector's event store writes them (the same COPY), one
// transaction per batch, sequences given.
async Task<double> RawCopy(IReadOnlyList<ProjectedEvent> events)
{
    var rows = events == stream ? rawRows : events.Select(e => e with { Sequence = e.Partition * 10_000_000L + e.Offset + 1 }).ToList();
    await using var database = await BenchDatabase.Fresh(admin, ledgerSchema: true);
    var clock = Stopwatch.StartNew();
    foreach (var batch in rows.Chunk(projectorBatch))
    {
        await using var connection = await database.Source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await EventStore.Copy(connection, batch, CancellationToken.None);
        await transaction.CommitAsync();
    }
    return rows.Count / clock.Elapsed.TotalSeconds;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

sealed record Measured(double Rate, double Copy, string Load, string Verdict);

/// <summary>A fresh database, dropped when disposed; with the projector's schema migrated, or empty for Marten.</summary>
sealed class BenchDatabase(string admin, string name, NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = source;
    public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;

    public static async Task<BenchDatabase> Fresh(string admin, bool ledgerSchema)
    {
        var name = $"ledger_marten_bench_{Guid.NewGuid():N}";
        await Admin(admin, $"create database {name}");
        var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
        if (ledgerSchema) await SchemaMigrator.Apply(source, NullLogger.Instance, CancellationToken.None);
        return new BenchDatabase(admin, name, source);
    }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Admin(admin, $"drop database if exists {name} with (force)");
    }

    private static async Task Admin(string admin, string sql)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
