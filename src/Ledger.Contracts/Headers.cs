namespace Ledger.Contracts;

/// <summary>Kafka header names the ledger writes on its records (docs/events.md). Values are UTF-8 text.</summary>
public static class LedgerHeaders
{
    public const string EventType = "ledger-event-type";
    public const string SchemaVersion = "ledger-schema-version";
    public const string CorrelationId = "ledger-correlation-id";
    public const string IdempotencyKey = "ledger-idempotency-key";

    /// <summary>On every record a writer produces (event, reply, dead letter): the offset on
    /// ledger.commands of the command it decided, in decimal. A writer resumes after the largest one.</summary>
    public const string CommandOffset = "ledger-command-offset";

    /// <summary>On every event: which of its writer's transactions produced it (opaque text). A writer
    /// that takes a partition sends the saga steps of the partition's last transaction again, in case
    /// that transaction was cut short on a broker whose transactions are not atomic.</summary>
    public const string Transaction = "ledger-transaction";

    /// <summary>W3C Trace Context (https://www.w3.org/TR/trace-context/), on commands, events and
    /// replies while tracing is on: the span that produced the record, so its consumer's span joins
    /// or links to the trace. Absent when no tracer listens.</summary>
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    /// <summary>On a reply: the offset of the last event its writer had on the partition's ledger.events
    /// when it replied, which is at or past the first outcome's event (decimal). Absent when that event
    /// is in the same transaction as the reply, so its offset was not known yet.</summary>
    public const string EventsThrough = "ledger-events-through";
}
