using Ledger.Projector.Schema;
using Ledger.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Ledger.Tests.Integration;

public sealed class SchemaMigratorTests
{
    [Fact]
    public async Task migrations_apply_once_even_when_two_projectors_start_together()
    {
        await using var postgres = await TestPostgres.Create();
        await using var database = postgres.DataSource();

        var together = await Task.WhenAll(
            SchemaMigrator.Apply(database, NullLogger.Instance, CancellationToken.None),
            SchemaMigrator.Apply(database, NullLogger.Instance, CancellationToken.None));
        var again = await SchemaMigrator.Apply(database, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(SchemaMigrator.Migrations().Count, together.Sum(applied => applied.Count));
        Assert.Empty(again);
        Assert.Equal(SchemaMigrator.Migrations().Count, await postgres.Scalar<long>("select count(*) from schema_migrations"));
    }
}
