using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Observability;

namespace Ledger.Api.Writer;

/// <summary>
/// The writer's spans. One per batch (one Kafka transaction, across partitions): a root span that
/// links to the spans that sent its commands (at most <see cref="LinksMax"/>). One per command
/// decided: a child of the span that sent it (so the edge and the writer are one trace), linked to
/// its batch; its context goes on the events and replies it produces. Nothing is parsed and no span
/// starts while no tracer listens.
/// </summary>
internal static class WriterTracing
{
    /// <summary>OpenTelemetry's default limit of links per span (OTEL_SPAN_LINK_COUNT_LIMIT).</summary>
    public const int LinksMax = 128;

    public static Activity? StartBatch(IReadOnlyList<ConsumeResult<string, byte[]>> records, IReadOnlyList<HandedCommand> handed,
        string topic, string transactionId)
    {
        if (!LedgerTracing.Writer.HasListeners()) return null;
        var links = new List<ActivityLink>(Math.Min(records.Count + handed.Count, LinksMax));
        void Link(Headers? headers, string? correlationId)
        {
            var sent = headers.FindTraceContext();
            if (sent == default || links.Count == LinksMax) return;
            links.Add(new ActivityLink(sent, new ActivityTagsCollection { [LedgerTracing.CorrelationIdTag] = correlationId }));
        }
        foreach (var record in records) Link(record.Message.Headers, record.Message.Headers.Find(LedgerHeaders.CorrelationId));
        foreach (var command in handed) Link(command.Trace, command.CorrelationId);
        // A root of its own: the batch decides many commands of many traces.
        Activity.Current = null;
        var span = LedgerTracing.Writer.StartActivity("process " + topic, ActivityKind.Consumer, default(ActivityContext), links: links);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("messaging.system", "kafka");
        span.SetTag("messaging.operation.type", "process");
        span.SetTag("messaging.destination.name", topic);
        span.SetTag("messaging.batch.message_count", records.Count);
        span.SetTag("ledger.handed_count", handed.Count);
        span.SetTag("ledger.transaction", transactionId);
        return span;
    }

    public static void Committed(Activity? span, int partitions)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("ledger.partitions", partitions);
    }

    public static void Failed(Activity? span, Exception error) => span?.SetStatus(ActivityStatusCode.Error, error.Message);

    /// <summary>A command's span, under the span that sent it; under the batch's when it came without one.</summary>
    public static Activity? StartDecide(ConsumeResult<string, byte[]> record, Command command, string correlationId, Activity? batch)
    {
        if (!LedgerTracing.Writer.HasListeners()) return null;
        var span = StartDecideSpan(command, ActivityKind.Consumer, record.Message.Headers, batch);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("messaging.system", "kafka");
        span.SetTag("messaging.operation.type", "process");
        span.SetTag("messaging.destination.name", record.Topic);
        span.SetTag("messaging.destination.partition.id", record.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        span.SetTag("messaging.kafka.offset", record.Offset.Value);
        span.SetTag("ledger.command.id", command.Request.CommandId.ToString());
        span.SetTag(LedgerTracing.CorrelationIdTag, correlationId);
        return span;
    }

    /// <summary>A handed command's span (<see cref="WriterInbox"/>), under the edge's span that handed it.</summary>
    public static Activity? StartDecide(HandedCommand handed, Activity? batch)
    {
        if (!LedgerTracing.Writer.HasListeners()) return null;
        var span = StartDecideSpan(handed.Command, ActivityKind.Internal, handed.Trace, batch);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("ledger.partition", handed.Partition);
        span.SetTag("ledger.command.handed", true);
        span.SetTag("ledger.command.id", handed.Command.Request.CommandId.ToString());
        span.SetTag(LedgerTracing.CorrelationIdTag, handed.CorrelationId);
        return span;
    }

    /// <summary>A command's decide span: a child of the edge's span when its trace context came along
    /// (linked to the batch), else a root.</summary>
    private static Activity? StartDecideSpan(Command command, ActivityKind kind, Headers? trace, Activity? batch)
    {
        var sent = trace.FindTraceContext();
        var name = "decide " + command.GetType().Name;
        if (sent == default) return LedgerTracing.Writer.StartActivity(name, kind);
        return LedgerTracing.Writer.StartActivity(name, kind, sent, links: batch is null ? null : [new ActivityLink(batch.Context)]);
    }

    public static void Decided(Activity? span, IReadOnlyList<LedgerEvent> events)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("ledger.decision", events.Count == 0 ? "repeat"
            : events[0] is IRejection rejection ? rejection.Code : events[0].GetType().Name);
    }
}
