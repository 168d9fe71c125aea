using Ledger.Domain.Assets;
using Ledger.Hosting;
using Ledger.Contracts;
using Ledger.Projector.Projection;
using Ledger.Projector.Schema;
using Npgsql;

namespace Ledger.Projector.Rebuild;

/// <summary>`dotnet Ledger.Projector.dll rebuild [--chunk N]`: the rebuild as a command, against
/// Postgres__ConnectionString (appsettings.json and environment, as the projector reads them).</summary>
public static class RebuildMode
{
    /// <summary>Events per rebuild transaction at most: a chunk is held in memory.</summary>
    public const int ChunkSizeMax = 1_000_000;

    public static async Task<int> Run(string[] args)
    {
        var chunk = ProjectionRebuild.ChunkSizeDefault;
        if (args is ["--chunk", var size, ..] && (!int.TryParse(size, out chunk) || chunk is < 1 or > ChunkSizeMax))
        {
            await Console.Error.WriteLineAsync($"rebuild: --chunk must be a whole number of events from 1 to {ChunkSizeMax}, not '{size}'");
            return 2;
        }
        var configuration = StartupOptions.ForCommandMode();
        PostgresOptions postgres;
        try { postgres = StartupOptions.Bind<PostgresOptions>(configuration, PostgresOptions.Section, o => o.Errors()); }
        catch (InvalidOperationException error)
        {
            await Console.Error.WriteLineAsync($"rebuild: {error.Message}");
            return 2;
        }
        var (assets, _) = Catalogs.From(configuration);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        await using var database = NpgsqlDataSource.Create(postgres.ConnectionString);
        await SchemaMigrator.Apply(database, logging.CreateLogger("Ledger.Rebuild"), stop.Token);
        await new ProjectionRebuild(database, new EventCodec(assets), Console.Out, chunk).Run(stop.Token);
        return 0;
    }
}
