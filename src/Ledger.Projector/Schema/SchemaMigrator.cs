using System.Reflection;
using Npgsql;

namespace Ledger.Projector.Schema;

/// <summary>
/// Applies the numbered SQL files in Schema/Migrations that the database has not seen, in order,
/// in one transaction under an advisory lock: any number of projectors may start at once, one
/// applies, the others find nothing to do. The projector is the schema's one owner.
/// </summary>
public static class SchemaMigrator
{
    private const long AdvisoryLockKey = 0x4c_65_64_67_65_72; // "Ledger"

    /// <summary>Applies the migrations, waiting for PostgreSQL to accept connections (up to <paramref name="patience"/>).</summary>
    public static async Task ApplyWhenReachable(NpgsqlDataSource database, ILogger log, CancellationToken cancellation,
        TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await Apply(database, log, cancellation);
                return;
            }
            catch (NpgsqlException error) when (error is not PostgresException && DateTime.UtcNow < deadline)
            {
                log.LogWarning("PostgreSQL not reachable yet ({Reason}); retrying", error.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
        }
    }

    public static async Task<IReadOnlyList<string>> Apply(NpgsqlDataSource database, ILogger log, CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        await Execute(connection, $"select pg_advisory_xact_lock({AdvisoryLockKey})", cancellation);
        await Execute(connection, """
            create table if not exists schema_migrations (
                version    integer primary key,
                name       text not null,
                applied_at timestamptz not null default now())
            """, cancellation);

        var applied = new HashSet<int>();
        await using (var command = new NpgsqlCommand("select version from schema_migrations", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation)) applied.Add(reader.GetInt32(0));
        }

        var newlyApplied = new List<string>();
        foreach (var (version, name, sql) in Migrations().Where(m => !applied.Contains(m.Version)))
        {
            await Execute(connection, sql, cancellation);
            await using var record = new NpgsqlCommand("insert into schema_migrations (version, name) values ($1, $2)", connection);
            record.Parameters.AddWithValue(version);
            record.Parameters.AddWithValue(name);
            await record.ExecuteNonQueryAsync(cancellation);
            newlyApplied.Add(name);
            log.LogInformation("Applied schema migration {Name}", name);
        }
        await transaction.CommitAsync(cancellation);
        return newlyApplied;
    }

    /// <summary>The embedded migrations, ordered by the number their file name starts with.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "Ledger.Projector.Schema.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(resource =>
            {
                var name = resource[prefix.Length..^".sql".Length];
                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                return (Version: int.Parse(name[..name.IndexOf('_')]), Name: name, Sql: reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }
}
