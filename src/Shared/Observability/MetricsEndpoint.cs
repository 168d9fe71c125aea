using Prometheus;

namespace Ledger.Observability;

/// <summary>
/// This host's metrics, kept by prometheus-net in a registry of its own (never the library's static
/// default one, which would also start its adapters for every .NET meter and event counter), and
/// GET /metrics in the Prometheus text format 0.0.4. Names are in base units (seconds, bytes) and
/// counters end in _total; docs/observability.md lists them and says why this library.
/// </summary>
internal static class MetricsEndpoint
{
    public const string ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;

    public static IServiceCollection AddLedgerMetrics(this IServiceCollection services)
    {
        var registry = Metrics.NewCustomRegistry();
        // The process's CPU, memory, GC and thread pool: process_* and dotnet_* series.
        DotNetStats.Register(registry);
        return services.AddSingleton(registry).AddSingleton<IMetricFactory>(Metrics.WithCustomRegistry(registry));
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metrics", (CollectorRegistry registry, CancellationToken cancellation) =>
                TypedResults.Stream(stream => registry.CollectAndExportAsTextAsync(stream, cancellation), ContentType))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithName("getMetrics").WithTags("Operations")
            .WithSummary("Metrics").WithDescription("Prometheus text format 0.0.4 (prometheus-net), names in base units.");
        return routes;
    }

    /// <summary>Bucket bounds for durations in seconds: 0.5 ms to 60 s.</summary>
    public static readonly double[] SecondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Bucket bounds for counts (batch sizes).</summary>
    public static readonly double[] CountBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
}
