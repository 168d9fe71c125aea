using Ledger.Domain.Assets;
using Ledger.Hosting;
using Ledger.Kafka.Contracts;
using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Npgsql;

namespace Ledger.Projector.Rebuild;

/// <summary>`dotnet Ledger.Projector.dll rebuild [--chunk N]`: the rebuild as a command, against
/// Postgres__ConnectionString (appsettings.json and environment, as the projector reads them).</summary>
public static class RebuildMode
{
    public static async Task<int> Run(string[] args)
    {
        var configuration = StartupOptions.ForCommandMode();
        var postgres = StartupOptions.Bind<PostgresOptions>(configuration, PostgresOptions.Section, o => o.Errors());
        var (assets, _) = Catalogs.From(configuration);
        var chunk = args is ["--chunk", var size, ..] ? int.Parse(size) : ProjectionRebuild.ChunkSizeDefault;

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        await using var database = NpgsqlDataSource.Create(postgres.ConnectionString);
        await SchemaMigrator.Apply(database, logging.CreateLogger("Ledger.Rebuild"), stop.Token);
        await new ProjectionRebuild(database, new EventCodec(assets), Console.Out, chunk).Run(stop.Token);
        return 0;
    }
}
