using Ledger.Projector.Schema;
using Ledger.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Ledger.Tests.Projection;

/// <summary>ledger_analyst reads the analytics views and writes nothing (docs/analytics.md): no temporary
/// table, no large object, no table or schema of its own. PostgreSQL grants the first two to every role
/// unless they are revoked (migration 0006), and only a superuser can revoke the large-object functions,
/// so the database is migrated here as one, on a cluster of the test's own, as docker-compose's
/// migrator is one. AnalyticsDocumentationTests covers a migrator that is not (TEMP only).</summary>
public sealed class AnalystRoleTests
{
    [Fact]
    public async Task the_analyst_role_can_create_no_temporary_table_nor_large_object()
    {
        await using var cluster = await PrivatePostgres.Start();
        await using var postgres = await TestPostgres.Create(cluster.AdminConnectionString);
        await using var source = postgres.DataSource();
        await SchemaMigrator.Apply(source, NullLogger.Instance, CancellationToken.None);

        await using var connection = await source.OpenConnectionAsync();
        await Execute(connection, "set role ledger_analyst");
        await Execute(connection, "select count(*) from analytics.balances"); // what the role is for
        string[] writes =
        [
            "create temp table scratch (x int)",
            "select lo_create(0)",
            "select lo_creat(-1)",
            "select lo_from_bytea(0, 'x')",
            "create table public.scratch (x int)",
            "create schema scratch",
        ];
        foreach (var write in writes)
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, write));
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{write}: {refused.MessageText}");
        }

        await Execute(connection, "reset role");
        await using var count = new NpgsqlCommand("select count(*) from pg_largeobject_metadata", connection);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
