using Npgsql;

namespace Ledger.Tests.Support;

/// <summary>A fresh, empty database on the real PostgreSQL server that ./ledger test started,
/// dropped afterwards. LEDGER_TEST_POSTGRES holds a connection string of a role allowed to create databases.</summary>
public sealed class TestPostgres : IAsyncDisposable
{
    private readonly string _admin;

    private TestPostgres(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    /// <summary>On the suite's server: LEDGER_TEST_POSTGRES, or with LEDGER_TEST_INFRASTRUCTURE=containers the run's PostgreSQL container.</summary>
    public static async Task<TestPostgres> Create() => await Create(TestInfrastructure.Selected == Infrastructure.Containers
        ? await TestInfrastructure.ContainerPostgresAdmin()
        : Environment.GetEnvironmentVariable("LEDGER_TEST_POSTGRES")
          ?? throw new InvalidOperationException("LEDGER_TEST_POSTGRES is not set: run the suite with ./ledger test"));

    /// <param name="admin">A connection string of a role allowed to create databases (e.g. a <see cref="PrivatePostgres"/>'s).</param>
    public static async Task<TestPostgres> Create(string admin)
    {
        var database = new TestPostgres(admin, $"ledger_test_{Guid.NewGuid():N}");
        await database.Execute($"create database {database.Name}");
        return database;
    }

    public NpgsqlDataSource DataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async Task<T> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools(); // this test's own idle connections go first
        await Execute($"drop database if exists {Name} with (force)");
    }
}
