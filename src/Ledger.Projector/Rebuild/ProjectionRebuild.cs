using System.Diagnostics;
using Ledger.Contracts;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.Projector.Rebuild;

/// <summary>
/// Rebuilds every read model from the event store into fresh tables (schema "rebuild"), running the
/// projector's own projections over the events in sequence order, a chunk per transaction, while the
/// old tables keep serving. Then, in one transaction that holds the projector's appends back (a
/// SHARE lock on events), it applies the events that arrived meanwhile and swaps the tables in by
/// renaming schemas; the analytics views are recreated on the new tables.
/// </summary>
public sealed class ProjectionRebuild(NpgsqlDataSource database, EventCodec codec, TextWriter progress, int chunkSize)
{
    public const int ChunkSizeDefault = 5_000;
    private const string Fresh = "rebuild", Retired = "rebuild_retired";
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = new();
    private TimeSpan? _reported;
    private long _done, _last, _total;

    /// <returns>The events projected into the new tables.</returns>
    public async Task<long> Run(CancellationToken cancellation)
    {
        if (chunkSize is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(chunkSize), "between 1 and 100000");
        _clock.Start();
        await CreateFreshTables(cancellation);
        _total = await CountEvents(cancellation);
        progress.WriteLine($"rebuild: {_total} events to project into schema {Fresh}");
        while (true)
        {
            await using var connection = await database.OpenConnectionAsync(cancellation);
            await using var transaction = await connection.BeginTransactionAsync(cancellation);
            if (await ProjectChunk(connection, cancellation) == 0) break;
            await transaction.CommitAsync(cancellation);
            Report(force: false);
        }
        await CatchUpAndSwap(cancellation);
        Report(force: true);
        progress.WriteLine($"rebuild: swapped in; {_done} events in {_clock.Elapsed.TotalSeconds:0.0} s");
        return _done;
    }

    private async Task CreateFreshTables(CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        var create = string.Join(";\n", ReadModels.Tables.Select(t => $"create table {Fresh}.{t} (like public.{t} including all)"));
        await Execute(connection, $"drop schema if exists {Fresh} cascade; create schema {Fresh};\n{create}", cancellation);
    }

    private async Task<long> CountEvents(CancellationToken cancellation)
    {
        await using var command = database.CreateCommand("select count(*) from public.events");
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    /// <summary>Projects the next chunk after the last sequence done into the fresh tables, inside the caller's transaction.</summary>
    private async Task<int> ProjectChunk(NpgsqlConnection connection, CancellationToken cancellation)
    {
        var chunk = new List<ProjectedEvent>(chunkSize);
        await using (var command = new NpgsqlCommand("""
            select sequence, kafka_partition, kafka_offset, body::text from public.events
             where sequence > $1 order by sequence limit $2
            """, connection))
        {
            command.Parameters.AddWithValue(_last);
            command.Parameters.AddWithValue(chunkSize);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                var body = System.Text.Encoding.UTF8.GetBytes(reader.GetString(3));
                chunk.Add(new ProjectedEvent(reader.GetInt32(1), reader.GetInt64(2), codec.Decode(body), body) { Sequence = reader.GetInt64(0) });
            }
        }
        if (chunk.Count == 0) return 0;
        await Execute(connection, $"set local search_path = {Fresh}", cancellation);
        var orders = await OrdersProjection.Read(connection, chunk, cancellation);
        await ReadModels.Apply(connection, ReadModels.Fold(chunk, orders), cancellation);
        await Execute(connection, "set local search_path = public", cancellation);
        _last = chunk[^1].Sequence;
        _done += chunk.Count;
        return chunk.Count;
    }

    private async Task CatchUpAndSwap(CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        // Projectors append events first in their batch transactions: this waits for those in flight
        // and holds new ones back until the swap commits. Reads go on.
        await Execute(connection, "lock table public.events in share mode", cancellation);
        while (await ProjectChunk(connection, cancellation) > 0) Report(force: false);

        // Sequences are reserved before commit, so a batch committed late could have landed behind the
        // chunks already read; the count says whether every event up to the last one was projected.
        await using (var count = new NpgsqlCommand("select count(*) from public.events where sequence <= $1", connection))
        {
            count.Parameters.AddWithValue(_last);
            var stored = (long)(await count.ExecuteScalarAsync(cancellation))!;
            if (stored != _done)
                throw new InvalidOperationException($"the event store holds {stored} events up to {_last} but {_done} were projected: run the rebuild again");
        }
        await Swap(connection, cancellation);
        await transaction.CommitAsync(cancellation);
    }

    private static async Task Swap(NpgsqlConnection connection, CancellationToken cancellation)
    {
        var views = new List<(string Name, string Definition)>();
        await using (var command = new NpgsqlCommand("""
            select c.relname, pg_get_viewdef(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'analytics' and c.relkind = 'v' order by c.relname
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation)) views.Add((reader.GetString(0), reader.GetString(1)));
        }
        var moves = string.Join(";\n", ReadModels.Tables.Select(t =>
            $"alter table public.{t} set schema {Retired}; alter table {Fresh}.{t} set schema public"));
        await Execute(connection, $"""
            {string.Concat(views.Select(v => $"drop view analytics.{v.Name};\n"))}
            drop schema if exists {Retired} cascade;
            create schema {Retired};
            {moves};
            {string.Concat(views.Select(v => $"create view analytics.{v.Name} as {v.Definition.TrimEnd(';', ' ', '\n')};\n"))}
            drop schema {Retired} cascade;
            drop schema {Fresh} cascade;
            """, cancellation);
        await Execute(connection, """
            do $$ begin
                if exists (select 1 from pg_roles where rolname = 'ledger_analyst') then
                    grant usage on schema analytics to ledger_analyst;
                    grant select on all tables in schema analytics to ledger_analyst;
                end if;
            end $$
            """, cancellation);
    }

    private void Report(bool force)
    {
        var elapsed = _clock.Elapsed;
        if (!force && _reported is { } last && elapsed - last < ReportEvery) return;
        _reported = elapsed;
        var rate = _done / Math.Max(elapsed.TotalSeconds, 0.001);
        var left = Math.Max(0, _total - _done) / Math.Max(rate, 1);
        progress.WriteLine($"rebuild: {_done}/{_total} events, {rate:0} events/s, {left:0} s left");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
