namespace Ledger.Observability;

/// <summary>GET /metrics in the Prometheus text format, for the meters a host names.</summary>
internal static class MetricsEndpoint
{
    public static IServiceCollection AddMetricsExporter(this IServiceCollection services, params string[] meterNames) =>
        services.AddSingleton(_ => new MetricsExporter(meterNames));

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder routes)
    {
        // Resolved now, not on the first scrape, so that nothing measured before it is lost.
        routes.ServiceProvider.GetRequiredService<MetricsExporter>();
        routes.MapGet("/metrics", (MetricsExporter exporter) =>
            TypedResults.Text(exporter.RenderText(), PrometheusText.ContentType)).WithName("getMetrics").WithTags("Operations")
            .WithSummary("Metrics").WithDescription("Prometheus text format 0.0.4.");
        return routes;
    }
}
