using System.Globalization;
using System.Text.Json;
using Ledger.Api.ReadModel;
using Ledger.Api.Writer;
using Ledger.Hosting;
using Ledger.Kafka;
using Ledger.Contracts;
using Npgsql;

namespace Ledger.Api.Audit;

/// <summary>`dotnet Ledger.Api.dll audit [--json]` (what `./ledger audit` runs): the audit straight
/// against PostgreSQL and Kafka, configured as the Api is (appsettings.json and environment). Prints a
/// readable report (or the JSON of GET /v1/audit) and exits 0 when ok, 1 when not, 2 when it could
/// not read the ledger.</summary>
public static class AuditMode
{
    public const int ExitOk = 0;
    public const int ExitDiffers = 1;
    public const int ExitUnreadable = 2;

    public static async Task<int> Run(string[] args)
    {
        var configuration = StartupOptions.ForCommandMode();
        var kafka = StartupOptions.Bind<KafkaOptions>(configuration, KafkaOptions.Section, o => o.Errors());
        var readModel = StartupOptions.Bind<ReadModelOptions>(configuration, ReadModelOptions.Section, o => o.Errors());
        var writer = StartupOptions.Bind<WriterOptions>(configuration, WriterOptions.Section, o => o.Errors());
        var options = StartupOptions.Bind<AuditOptions>(configuration, AuditOptions.Section, o => o.Errors());
        var (assets, markets) = Catalogs.From(configuration);
        kafka.UseClientProperties();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        await using var database = NpgsqlDataSource.Create(readModel.ConnectionString);
        var audit = new LedgerAudit(database, kafka, new BootstrapServers(kafka.ResolveBootstrapServers()),
            new EventCodec(assets, markets), new CommandCodec(assets, markets), markets, writer, options);
        AuditReport report;
        try
        {
            report = await audit.Run(stop.Token);
        }
        catch (Exception error) when (error is Confluent.Kafka.KafkaException or NpgsqlException or TimeoutException)
        {
            Console.Error.WriteLine($"audit: could not read the ledger: {error.Message}");
            return ExitUnreadable;
        }
        Console.Out.Write(args.Contains("--json")
            ? JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }) + "\n"
            : Readable(report));
        return report.Ok ? ExitOk : ExitDiffers;
    }

    /// <summary>The report for people: one line per check, its differences under it, then the coverage.</summary>
    public static string Readable(AuditReport report)
    {
        var text = new System.Text.StringBuilder();
        var at = report.AsOf.SnapshotTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        text.AppendLine($"Ledger audit of the snapshot at {at} (last event sequence {report.AsOf.EventSequence?.ToString(CultureInfo.InvariantCulture) ?? "none"}): " +
                        (report.Ok ? "OK" : "DIFFERENCES FOUND"));
        foreach (var check in report.Checks)
        {
            text.AppendLine($"  {(check.Ok ? "ok  " : "FAIL")}  {check.Name,-28} {check.Checked,10} checked, {check.Differences} differ");
            foreach (var example in check.Examples) text.AppendLine($"          {example}");
            if (check.Differences > check.Examples.Count) text.AppendLine($"          ... and {check.Differences - check.Examples.Count} more");
        }
        text.AppendLine("  covers (per partition: event store up to the projector's offset / ledger.events held from..end; commands held from..reached by the writers):");
        foreach (var p in report.Covers.Partitions)
            text.AppendLine($"    {p.Partition,4}: store {p.ProjectedUpTo?.ToString(CultureInfo.InvariantCulture) ?? "-"} / events {p.EventsFrom}..{p.EventsEnd}; " +
                            $"commands {p.CommandsFrom}..{p.CommandsReachedUpTo}");
        return text.ToString();
    }
}
