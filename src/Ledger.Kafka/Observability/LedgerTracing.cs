using System.Diagnostics;

namespace Ledger.Observability;

/// <summary>
/// The ledger's trace sources and span attributes, shared by the Api, its writers and the projector.
/// Spans start only while a tracer provider listens, which each host registers only when an OTLP
/// endpoint is configured (<see cref="Enabled"/>): otherwise the command path pays nothing.
/// </summary>
public static class LedgerTracing
{
    /// <summary>The edge: the span that puts a command on ledger.commands.</summary>
    public static readonly ActivitySource Api = new("Ledger.Api");

    /// <summary>The writers: a span per batch (one Kafka transaction), one per command decided.</summary>
    public static readonly ActivitySource Writer = new("Ledger.Writer");

    /// <summary>The projector: a span per batch written to PostgreSQL.</summary>
    public static readonly ActivitySource Projector = new("Ledger.Projector");

    public static readonly string[] SourceNames = [Api.Name, Writer.Name, Projector.Name];

    /// <summary>Span attributes of the ledger's own (the rest follow OpenTelemetry's messaging conventions).</summary>
    public const string CorrelationIdTag = "ledger.correlation_id";
    public const string CorrelationIdsTag = "ledger.correlation_ids";

    /// <summary>Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
    /// set, and OTEL_SDK_DISABLED is not true.</summary>
    public static bool Enabled(Func<string, string?> setting) =>
        !string.Equals(setting("OTEL_SDK_DISABLED")?.Trim(), "true", StringComparison.OrdinalIgnoreCase)
        && (!string.IsNullOrWhiteSpace(setting("OTEL_EXPORTER_OTLP_ENDPOINT"))
            || !string.IsNullOrWhiteSpace(setting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")));
}
