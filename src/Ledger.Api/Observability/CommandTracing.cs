using System.Diagnostics;
using Ledger.Api.Commands;
using Ledger.Domain;
using Ledger.Observability;

namespace Ledger.Api.Observability;

/// <summary>The edge's span for one command: from producing it on ledger.commands to knowing its
/// decision (a child of the HTTP request's span). Its context travels in the record's traceparent
/// header, so the writer's spans join the trace. Null, and free, while no tracer listens.</summary>
public static class CommandTracing
{
    public static Activity? StartSend(Command command, string topic, int partition, string correlationId)
    {
        if (!LedgerTracing.Api.HasListeners()) return null;
        var span = LedgerTracing.Api.StartActivity("send " + topic, ActivityKind.Producer);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("messaging.system", "kafka");
        span.SetTag("messaging.operation.type", "send");
        span.SetTag("messaging.destination.name", topic);
        span.SetTag("messaging.destination.partition.id", partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        span.SetTag("ledger.command.type", command.GetType().Name);
        span.SetTag("ledger.command.id", command.Request.CommandId.ToString());
        span.SetTag(LedgerTracing.CorrelationIdTag, correlationId);
        return span;
    }

    public static void Decided(Activity? span, CommandOutcome outcome)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("ledger.decision", outcome.Decision.Event is IRejection rejection ? rejection.Code : outcome.Decision.Event.GetType().Name);
        if (outcome.Replayed) span.SetTag("ledger.replayed", true);
    }
}
