using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ledger.Observability;

/// <summary>
/// Traces with OpenTelemetry, exported over OTLP: the ledger's spans (<see cref="LedgerTracing"/>)
/// and ASP.NET Core's for HTTP requests. Registered only when an OTLP endpoint is set
/// (<see cref="LedgerTracing.Enabled"/>); everything else is the SDK's standard OTEL_* variables
/// (protocol, headers, service name, resource attributes, sampler, limits).
/// </summary>
internal static class TracingSetup
{
    public const string ApiService = "ledger-api";
    public const string ProjectorService = "ledger-projector";

    public static IServiceCollection AddLedgerTracing(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        if (!LedgerTracing.Enabled(name => configuration[name])) return services;
        services.AddOpenTelemetry().WithTracing(tracing =>
        {
            // OTEL_SERVICE_NAME, when set, names the service; otherwise the host's own name.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                tracing.ConfigureResource(resource => resource.AddService(serviceName));
            tracing.AddSource(LedgerTracing.SourceNames).AddAspNetCoreInstrumentation(WithoutOperations).AddOtlpExporter();
        });
        return services;
    }

    /// <summary>Scrapes, health probes and the dashboard's polling are not worth a trace each.</summary>
    public static void WithoutOperations(OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions http) =>
        http.Filter = context => !(context.Request.Path.StartsWithSegments("/metrics") || context.Request.Path.StartsWithSegments("/health")
            || context.Request.Path.StartsWithSegments("/dashboard") || context.Request.Path.StartsWithSegments("/v1/dashboard"));
}
