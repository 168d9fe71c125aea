using System.Reflection;
using Ledger.Api.Observability;
using Ledger.Kafka;
using Npgsql;

namespace Ledger.Api.Dashboard;

/// <summary>GET /dashboard: a self-contained page (inline SVG, no scripts from elsewhere) that polls
/// GET /v1/dashboard/summary and, for analysts, GET /v1/stats/daily.</summary>
public static class DashboardApi
{
    private const string PageResource = "Ledger.Api.Dashboard.dashboard.html";
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"embedded resource {PageResource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static IServiceCollection AddDashboard(this IServiceCollection services) =>
        services.AddSingleton<DashboardHistory>().AddHostedService(provider => provider.GetRequiredService<DashboardHistory>());

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/dashboard", () => TypedResults.Content(Page.Value, "text/html; charset=utf-8")).WithName("getDashboard").WithTags("Operations")
            .WithSummary("Dashboard page").WithDescription("A self-contained HTML page that polls /v1/dashboard/summary.");
        routes.MapGet("/v1/dashboard/summary", Summary).WithName("getDashboardSummary").WithTags("Operations")
            .WithSummary("Dashboard data").WithDescription("Throughput, decision latency, writer and projector lag, refusals: this instance's last 5 minutes.");
        return routes;
    }

    private static async Task<IResult> Summary(DashboardHistory history, NpgsqlDataSource readModel, HighWatermarks watermarks,
        KafkaOptions kafka, CancellationToken cancellation)
    {
        var (samples, writerLag) = history.Read();
        return TypedResults.Ok(new
        {
            intervalSeconds = DashboardHistory.Interval.TotalSeconds,
            latencyWindowSeconds = DashboardHistory.LatencyWindowSamples * DashboardHistory.Interval.TotalSeconds,
            samples = samples.Select(s => new
            {
                at = s.At,
                commandsPerSecond = Math.Round(s.CommandsPerSecond, 3),
                decisionP99Ms = s.DecisionP99Ms is { } p99 ? Math.Round(p99, 3) : (double?)null,
                refusalsPerSecond = Math.Round(s.RefusalsPerSecond, 3),
            }),
            writerLag = writerLag.Select(p => new { partition = p.Partition, lag = p.Lag }),
            projectorLag = await ProjectorLag(readModel, watermarks.Of(kafka.EventsTopic), kafka.EventsTopic, cancellation),
            projectionLagSeconds = await ProjectionLagSeconds(readModel, cancellation),
        });
    }

    /// <summary>Events on ledger.events (high watermark as this process's outcome listener last saw it)
    /// beyond the projector's stored offsets, per partition; empty when PostgreSQL does not answer.</summary>
    private static async Task<IReadOnlyList<object>> ProjectorLag(NpgsqlDataSource readModel, IReadOnlyDictionary<int, long> high,
        string topic, CancellationToken cancellation)
    {
        var stored = new Dictionary<int, long>();
        try
        {
            await using var command = readModel.CreateCommand("select kafka_partition, next_offset from projector_offsets where topic = $1");
            command.Parameters.AddWithValue(topic);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) stored[reader.GetInt32(0)] = reader.GetInt64(1);
        }
        catch (Exception error) when (error is NpgsqlException or PostgresException or TimeoutException)
        {
            return [];
        }
        return [.. high.OrderBy(p => p.Key).Select(p => new { partition = p.Key, lag = Math.Max(0, p.Value - stored.GetValueOrDefault(p.Key)) })];
    }

    /// <summary>How long the newest projected event waited between its decision and its projection;
    /// null when nothing is projected or PostgreSQL does not answer.</summary>
    private static async Task<double?> ProjectionLagSeconds(NpgsqlDataSource readModel, CancellationToken cancellation)
    {
        try
        {
            await using var command = readModel.CreateCommand(
                "select extract(epoch from projected_at - at)::float8 from events order by sequence desc limit 1");
            return await command.ExecuteScalarAsync(cancellation) is double seconds ? Math.Max(0, Math.Round(seconds, 3)) : null;
        }
        catch (Exception error) when (error is NpgsqlException or PostgresException or TimeoutException)
        {
            return null;
        }
    }
}
