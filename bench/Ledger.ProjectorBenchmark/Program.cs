using System.Diagnostics;
using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Ledger.Tests.Projection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Projector throughput into PostgreSQL beside a raw binary COPY of the same event rows, and the cost
// per event of the daily statistics with 1 day and with 365 days of history behind them.
// LEDGER_BENCH_POSTGRES: a connection string of a role that may create databases (fresh ones are
// made and dropped). Arguments: [events, default 60000] [seed, default 42] [rounds, default 5; 0: only the breakdown]
// [events per batch, default the projector's Projector:BatchSizeMax].
// Besides wall time it reports the CPU time the PostgreSQL backend spent (from /proc/<pid>/schedstat,
// when the server runs on this machine and it is readable) and this process's CPU time: on a shared
// machine those move far less than wall time does, and they say which side a change saved.
var admin = Environment.GetEnvironmentVariable("LEDGER_BENCH_POSTGRES")
    ?? throw new InvalidOperationException("set LEDGER_BENCH_POSTGRES to a connection string of a role that may create databases");
var eventsWanted = args.Length > 0 ? int.Parse(args[0]) : 60_000;
var seed = args.Length > 1 ? int.Parse(args[1]) : 42;
var rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
var batchSize = args.Length > 3 ? int.Parse(args[3]) : new ProjectorOptions().BatchSizeMax;

Console.WriteLine($"machine: {Environment.ProcessorCount} cpus, {CpuModel()}; seed {seed}; batch {batchSize}");
var stream = GeneratedStream.Generate(seed, commands: eventsWanted, days: 30, users: 1_000, partitions: 12);
var batches = stream.Chunk(batchSize).ToList();
// The raw COPY's rows carry a sequence already (made before measuring): unique, and in the same
// order per partition as the projector's.
var rawBatches = batches.Select(b => b.Select(e => e with { Sequence = e.Partition * 10_000_000L + e.Offset + 1 }).ToArray()).ToList();
Console.WriteLine($"{stream.Count} events generated");

// Round 0 is a warm-up, not counted: the JIT compiles and tiers up both paths first (the projector's
// has far more code), so the rounds measure the steady state a running projector is in.
double bestProjector = 0, bestCopy = 0;
var ratios = new List<double>();
for (var round = rounds == 0 ? 1 : 0; round <= rounds; round++)
{
    var copy = await Measure("raw COPY", async source => { foreach (var batch in rawBatches) await RawCopy(source, batch); });
    var projector = await Measure("projector", async source =>
    {
        var stored = new Dictionary<int, long?>();
        foreach (var batch in batches)
            foreach (var (partition, offset) in await BatchWriter.Write(source, "bench.events", batch, stored, CancellationToken.None))
                stored[partition] = offset;
    });
    if (round == 0)
    {
        Console.WriteLine("  round 0 (warm-up, not counted)");
        continue;
    }
    bestCopy = Math.Max(bestCopy, copy);
    bestProjector = Math.Max(bestProjector, projector);
    ratios.Add(projector / copy);
    Console.WriteLine($"  round {round}: projector / raw COPY = {projector / copy:0.00}");
}
if (rounds == 0) await Breakdown(); // the breakdown alone: once to warm up, once to measure
await Breakdown();
if (rounds == 0) return;
Console.WriteLine($"projector {bestProjector:0} events/s, raw COPY {bestCopy:0} events/s: ratio of the best {bestProjector / bestCopy:0.00} (target >= 0.5); " +
    $"per round {ratios.Min():0.00} to {ratios.Max():0.00}, median {ratios.Order().ElementAt(ratios.Count / 2):0.00}");

var statsEvents = GeneratedStream.Generate(seed + 1, commands: 20_000, days: 1, users: 1_000,
    firstDay: GeneratedStream.FirstDay.AddDays(400));
double oneDay = double.MaxValue, yearOfDays = double.MaxValue;
for (var round = 1; round <= rounds; round++)
{
    oneDay = Math.Min(oneDay, await StatisticsCost(historyDays: 1));
    yearOfDays = Math.Min(yearOfDays, await StatisticsCost(historyDays: 365));
}
Console.WriteLine($"daily statistics: {oneDay:0.0} us/event with 1 day of history, {yearOfDays:0.0} us/event with 365 days: ratio {yearOfDays / oneDay:0.00} (target <= 1.1)");
return;

// Events per second of one fresh, migrated database.
async Task<double> Measure(string name, Func<NpgsqlDataSource, Task> work)
{
    await using var database = await FreshDatabase();
    var server = await ServerCpu.Of(database.Source);
    var client = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await work(database.Source);
    var elapsed = clock.Elapsed;
    var clientSpent = Process.GetCurrentProcess().TotalProcessorTime - client;
    var rate = stream.Count / elapsed.TotalSeconds;
    Console.WriteLine($"  {name}: {stream.Count} events in {elapsed.TotalSeconds:0.00} s = {rate:0} events/s; CPU per event: " +
        $"server {server.SpentSince() / stream.Count:0.0} us, client {clientSpent.TotalMicroseconds / stream.Count:0.0} us");
    return rate;
}

// Where a projector batch spends its time: each step of BatchWriter.Write timed on its own, in the
// batch's transaction: wall time, and the CPU time of the PostgreSQL backend and of this process.
async Task Breakdown()
{
    await using var database = await FreshDatabase();
    var steps = new Dictionary<string, (TimeSpan Wall, double ServerMicroseconds, TimeSpan Client)>();
    // Server CPU per event of each batch: the median batch shrugs off the moments another process had the core.
    var perBatch = new Dictionary<string, List<double>>();
    ProjectedEvent[] batch = [];
    ServerCpu? server = null;
    async Task<T> Step<T>(string name, Func<Task<T>> step)
    {
        var before = server!.Now();
        var client = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = await step();
        var (wall, cpu, clientCpu) = steps.GetValueOrDefault(name);
        var serverSpent = server.Now() - before;
        steps[name] = (wall + clock.Elapsed, cpu + serverSpent, clientCpu + Process.GetCurrentProcess().TotalProcessorTime - client);
        perBatch.TryAdd(name, []);
        perBatch[name].Add(serverSpent / batch.Length);
        return result;
    }
    var stored = new Dictionary<int, long?>();
    foreach (var next in batches)
    {
        batch = next;
        await using var connection = await database.Source.OpenConnectionAsync();
        server = ServerCpu.Of(connection);
        var advanced = batch.GroupBy(e => e.Partition).ToDictionary(g => g.Key, g => g.Max(e => e.Offset) + 1);
        await using var transaction = await connection.BeginTransactionAsync();
        var sequenced = await Step("offsets + reserve sequences", async () =>
        {
            await using var commands = new NpgsqlBatch(connection)
            {
                BatchCommands = { ProjectorOffsets.Advance("bench.events", advanced, stored), EventStore.Reserve(batch.Length) },
            };
            await using var reader = await commands.ExecuteReaderAsync();
            await ProjectorOffsets.CheckAdvanced(reader, "bench.events", advanced, CancellationToken.None);
            await reader.NextResultAsync();
            return await EventStore.Sequenced(reader, batch, CancellationToken.None);
        });
        await Step("events (COPY)", async () => { await EventStore.Copy(connection, sequenced, CancellationToken.None); return 0; });
        // BatchWriter reads the orders in its first round trip; here alone, to see what it costs.
        var loaded = await Step("orders (read)", () => OrdersProjection.Read(connection, sequenced, CancellationToken.None));
        // Made outside the steps: BatchWriter makes them on another core while the events are copied.
        var orders = OrdersProjection.Changed(sequenced, loaded);
        var entries = LedgerEntries.Rows(sequenced);
        await Step("entries (COPY)", async () => { await LedgerEntries.Append(connection, entries, CancellationToken.None); return 0; });
        // The read models' writes go in one round trip; here each is sent alone to see what it costs.
        await Step("orders (write)", () => Execute(connection, OrdersProjection.Save(orders)));
        await Step("daily statistics", () => Execute(connection, DailyStatistics.Add(DailyStatistics.Fold(sequenced))));
        await Step("balances", async () =>
        {
            var balances = BalanceCache.Fold(sequenced);
            await using var commands = new NpgsqlBatch(connection) { BatchCommands = { BalanceCache.Add(balances)! } };
            await using var reader = await commands.ExecuteReaderAsync();
            await BalanceCache.Check(reader, balances, CancellationToken.None);
            return 0;
        });
        await Step("commit", async () => { await transaction.CommitAsync(); return 0; });
        foreach (var (partition, offset) in advanced) stored[partition] = offset;
    }
    Console.WriteLine("  step: wall us/event (server CPU, client CPU; server CPU of the median batch)");
    foreach (var (name, (wall, cpu, client)) in steps)
        Console.WriteLine($"  {name}: {wall.TotalMicroseconds / stream.Count:0.0} ({cpu / stream.Count:0.0}, {client.TotalMicroseconds / stream.Count:0.0}; " +
            $"{perBatch[name].Order().ElementAt(perBatch[name].Count / 2):0.0})");
    await RowsWritten(database.Source);
}

// What each table took per event: rows inserted, rows updated and how many of those updates were
// HOT (no index entry written), from PostgreSQL's own counters of the benchmark's database.
async Task RowsWritten(NpgsqlDataSource source)
{
    await using var connection = await source.OpenConnectionAsync();
    // The backend's counters reach the shared statistics when it next goes idle; this makes it go now.
    await using (var flush = new NpgsqlCommand("select pg_stat_force_next_flush()", connection)) await flush.ExecuteNonQueryAsync();
    await using var command = new NpgsqlCommand("""
        select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables
         where n_tup_ins + n_tup_upd > 0 and relname <> 'schema_migrations' order by relname
        """, connection);
    await using var reader = await command.ExecuteReaderAsync();
    Console.WriteLine("  table: rows per event inserted, updated (HOT updates)");
    while (await reader.ReadAsync())
        Console.WriteLine($"  {reader.GetString(0)}: {reader.GetInt64(1) / (double)stream.Count:0.00}, " +
            $"{reader.GetInt64(2) / (double)stream.Count:0.00} ({reader.GetInt64(3) / (double)stream.Count:0.00})");
}

// The event rows alone, written as the projector's event store writes them (the same COPY), one
// transaction per batch. Sequences are given, as a table without the projector would take them.
async Task RawCopy(NpgsqlDataSource source, IReadOnlyList<ProjectedEvent> batch)
{
    await using var connection = await source.OpenConnectionAsync();
    await using var transaction = await connection.BeginTransactionAsync();
    await EventStore.Copy(connection, batch, CancellationToken.None);
    await transaction.CommitAsync();
}

// One read model's write alone, in the caller's transaction.
static async Task<int> Execute(NpgsqlConnection connection, NpgsqlBatchCommand? command)
{
    if (command is null) return 0;
    await using var commands = new NpgsqlBatch(connection) { BatchCommands = { command } };
    return await commands.ExecuteNonQueryAsync();
}

// Microseconds per event of DailyStatistics.Apply over one day's events, with history preloaded:
// per day, a stats row per asset and a row per (user, asset) for 1000 users in 2 assets, as a busy exchange would have.
async Task<double> StatisticsCost(int historyDays)
{
    await using var database = await FreshDatabase();
    await using (var connection = await database.Source.OpenConnectionAsync())
    {
        var first = GeneratedStream.FirstDay.AddDays(400 - historyDays).UtcDateTime.Date;
        await using var preload = new NpgsqlCommand($"""
            insert into stats_daily select d::date, a, 5, 500, 5, 500, 5, 500, 5, 5, 5, 5, 5, 1000
              from generate_series('{first:yyyy-MM-dd}'::timestamp, '{first:yyyy-MM-dd}'::timestamp + interval '{historyDays - 1} days', interval '1 day') d, unnest(array['USD', 'BTC']) a;
            insert into stats_daily_user select d::date, 'user-' || lpad(u::text, 3, '0'), a, 1, 100, 1, 100, 1, 100, 1, 1, 1, 1, 1
              from generate_series('{first:yyyy-MM-dd}'::timestamp, '{first:yyyy-MM-dd}'::timestamp + interval '{historyDays - 1} days', interval '1 day') d,
                   generate_series(0, 999) u, unnest(array['USD', 'BTC']) a;
            """, connection);
        await preload.ExecuteNonQueryAsync();
        await using var analyze = new NpgsqlCommand("analyze stats_daily; analyze stats_daily_user", connection);
        await analyze.ExecuteNonQueryAsync();
    }
    var server = await ServerCpu.Of(database.Source);
    var clock = Stopwatch.StartNew();
    foreach (var batch in statsEvents.Chunk(batchSize))
    {
        await using var connection = await database.Source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Execute(connection, DailyStatistics.Add(DailyStatistics.Fold(batch)));
        await transaction.CommitAsync();
    }
    var microseconds = clock.Elapsed.TotalMicroseconds / statsEvents.Count;
    Console.WriteLine($"  statistics with {historyDays} days of history: {microseconds:0.0} us/event; server CPU {server.SpentSince() / statsEvents.Count:0.0} us/event");
    return microseconds;
}

async Task<BenchDatabase> FreshDatabase()
{
    var name = $"ledger_bench_{Guid.NewGuid():N}";
    await Admin($"create database {name}");
    var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    await SchemaMigrator.Apply(source, NullLogger.Instance, CancellationToken.None);
    return new BenchDatabase(source, async () =>
    {
        await source.DisposeAsync();
        await Admin($"drop database if exists {name} with (force)");
    });
}

async Task Admin(string sql)
{
    await using var connection = new NpgsqlConnection(admin);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static string CpuModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

/// <summary>CPU time of one PostgreSQL backend, in microseconds (NaN when its /proc entry cannot be read).</summary>
sealed class ServerCpu(int processId, double start)
{
    public static ServerCpu Of(NpgsqlConnection connection) => new(connection.ProcessID, Read(connection.ProcessID));

    /// <summary>The backend a data source's pool hands out: the benchmark uses one connection at a time, so it stays the same one.</summary>
    public static async Task<ServerCpu> Of(NpgsqlDataSource source)
    {
        await using var connection = await source.OpenConnectionAsync();
        return Of(connection);
    }

    public double Now() => Read(processId);

    public double SpentSince() => Now() - start;

    private static double Read(int processId)
    {
        try { return long.Parse(File.ReadAllText($"/proc/{processId}/schedstat").Split(' ')[0]) / 1000.0; }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }
}

sealed record BenchDatabase(NpgsqlDataSource Source, Func<Task> Drop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await Drop();
}
