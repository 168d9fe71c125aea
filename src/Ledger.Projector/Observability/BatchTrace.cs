using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Kafka;
using Ledger.Observability;

namespace Ledger.Projector.Observability;

/// <summary>
/// The projector's span per batch (one PostgreSQL transaction): links to the spans that decided its
/// events (from their traceparent headers, at most <see cref="LinksMax"/>), each link with its
/// correlation id. Collects nothing while no tracer listens.
/// </summary>
public sealed class BatchTrace
{
    /// <summary>OpenTelemetry's default limit of links per span (OTEL_SPAN_LINK_COUNT_LIMIT).</summary>
    public const int LinksMax = 128;
    private readonly List<ActivityLink> _links = [];

    public void Add(Headers? headers)
    {
        if (_links.Count >= LinksMax || !LedgerTracing.Projector.HasListeners()) return;
        var decided = headers.FindTraceContext();
        if (decided == default) return;
        _links.Add(new ActivityLink(decided, new ActivityTagsCollection
        {
            [LedgerTracing.CorrelationIdTag] = headers.Find(LedgerHeaders.CorrelationId),
        }));
    }

    public Activity? Start(string topic, int events, IReadOnlyCollection<string> correlationIds)
    {
        if (!LedgerTracing.Projector.HasListeners()) return null;
        Activity.Current = null; // a root of its own: a batch projects events of many traces
        var span = LedgerTracing.Projector.StartActivity("process " + topic, ActivityKind.Consumer, default(ActivityContext), links: _links);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("messaging.system", "kafka");
        span.SetTag("messaging.operation.type", "process");
        span.SetTag("messaging.destination.name", topic);
        span.SetTag("messaging.batch.message_count", events);
        span.SetTag(LedgerTracing.CorrelationIdsTag, correlationIds.ToArray());
        return span;
    }

    public void Clear() => _links.Clear();
}
