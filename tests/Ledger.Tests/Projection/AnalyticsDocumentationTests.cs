using System.Text.RegularExpressions;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Projection;

/// <summary>docs/analytics.md: every ```sql block runs as ledger_analyst against a populated
/// database, and the role can read the views but no table.</summary>
public sealed partial class AnalyticsDocumentationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task every_example_query_in_the_analytics_guide_runs_as_the_read_only_role()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        await using var database = await ProjectedDatabase.Create();
        await database.ProjectAll(GeneratedStream.Generate(seed, commands: 1_000, days: 10,
            firstDay: new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-9), TimeSpan.Zero)), seed);

        var blocks = SqlBlock().Matches(await File.ReadAllTextAsync(GuidePath())).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 5, $"found {blocks.Count} sql blocks");

        await using var connection = await database.Source.OpenConnectionAsync();
        await Execute(connection, "grant ledger_analyst to current_user");
        await Execute(connection, "set role ledger_analyst");
        foreach (var sql in blocks)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            do { while (await reader.ReadAsync()) rows++; } while (await reader.NextResultAsync());
            output.WriteLine($"{rows} rows: {sql.Split('\n')[0]}");
        }
        Assert.Equal(0L, (long)(await new NpgsqlCommand(
            "select count(*) from (select asset from analytics.entries group by asset having sum(amount) <> 0) x", connection).ExecuteScalarAsync())!);

        // Migrated by a role that is not a superuser (as ./ledger test's is): TEMP is revoked all the same (migration 0006).
        foreach (var forbidden in new[] { "select * from public.balances", "select * from public.events", "delete from analytics.orders",
                     "create temp table scratch (x int)" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, forbidden));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string GuidePath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "analytics.md");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("docs/analytics.md not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
