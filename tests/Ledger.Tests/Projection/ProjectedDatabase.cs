using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Ledger.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ledger.Tests.Projection;

/// <summary>A migrated test database fed batches directly, as the projector would after its polls.</summary>
public sealed class ProjectedDatabase : IAsyncDisposable
{
    public const string Topic = "generated.events";
    private readonly Dictionary<int, long?> _stored = new();

    private ProjectedDatabase(TestPostgres postgres, NpgsqlDataSource source)
    {
        Postgres = postgres;
        Source = source;
    }

    public TestPostgres Postgres { get; }
    public NpgsqlDataSource Source { get; }

    /// <param name="postgres">An existing database (then not dropped here), or null for a fresh one.</param>
    public static async Task<ProjectedDatabase> Create(TestPostgres? postgres = null)
    {
        var database = postgres ?? await TestPostgres.Create();
        var source = database.DataSource();
        await SchemaMigrator.Apply(source, NullLogger.Instance, CancellationToken.None);
        return new ProjectedDatabase(database, source) { _ownsPostgres = postgres is null };
    }

    private bool _ownsPostgres;

    public IReadOnlyDictionary<int, long?> Stored => _stored;

    public async Task Project(IReadOnlyList<ProjectedEvent> batch)
    {
        var next = await BatchWriter.Write(Source, Topic, batch, _stored, CancellationToken.None);
        foreach (var (partition, offset) in next) _stored[partition] = offset;
    }

    public async Task ProjectAll(List<ProjectedEvent> stream, int seed, int batchSizeMax = 300)
    {
        foreach (var batch in GeneratedStream.Batches(stream, new Random(seed), batchSizeMax)) await Project(batch);
    }

    /// <summary>Every read model table as text, rows in key order; "now()" columns left out.</summary>
    public async Task<string> Snapshot(string schema = "public")
    {
        var text = new System.Text.StringBuilder();
        foreach (var table in ReadModels.Tables)
        {
            text.Append("-- ").AppendLine(table);
            await using var connection = await Source.OpenConnectionAsync();
            await using var command = new NpgsqlCommand($"""
                select coalesce(string_agg((to_jsonb(t) - 'updated_at')::text, E'\n' order by (to_jsonb(t) - 'updated_at')::text), '')
                  from {schema}.{table} t
                """, connection);
            text.AppendLine((string)(await command.ExecuteScalarAsync())!);
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        if (_ownsPostgres) await Postgres.DisposeAsync();
    }
}
