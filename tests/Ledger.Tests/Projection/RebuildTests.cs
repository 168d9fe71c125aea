using Ledger.Domain.Assets;
using Ledger.Contracts;
using Ledger.Projector.Rebuild;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Projection;

public sealed class RebuildTests(ITestOutputHelper output)
{
    [Fact]
    public async Task a_rebuild_produces_the_same_tables_as_the_incremental_build()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var stream = GeneratedStream.Generate(seed, commands: 4_000, days: 30);
        await using var database = await ProjectedDatabase.Create();
        await database.ProjectAll(stream, seed);
        var incremental = await database.Snapshot();

        var progress = new StringWriter();
        var rebuilt = await new ProjectionRebuild(database.Source, new EventCodec(AssetCatalog.Default), progress, chunkSize: 700)
            .Run(CancellationToken.None);
        output.WriteLine(progress.ToString());

        Assert.Equal(stream.Count, rebuilt);
        Assert.Equal(incremental, await database.Snapshot());
        Assert.Contains("events/s", progress.ToString());
        Assert.Equal(0L, await database.Postgres.Scalar<long>("select count(*) from pg_namespace where nspname like 'rebuild%'"));
        // The views follow the new tables, and the projector's next batch lands in them.
        Assert.Equal(await database.Postgres.Scalar<long>("select count(*) from orders"),
            await database.Postgres.Scalar<long>("select count(*) from analytics.orders"));
        var more = GeneratedStream.Generate(seed + 1, commands: 200, days: 1, firstDay: GeneratedStream.FirstDay.AddDays(40),
            userPrefix: "later");
        var next = more.Select(e => e with { Offset = e.Offset + 1_000_000 }).ToList();
        await database.Project(next);
        Assert.Equal(stream.Count + more.Count, await database.Postgres.Scalar<long>("select count(*) from analytics.events"));
    }
}
