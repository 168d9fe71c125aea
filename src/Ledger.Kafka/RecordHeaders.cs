using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Ledger.Contracts;

namespace Ledger.Kafka;

/// <summary>Writing and reading the ledger's headers (<see cref="LedgerHeaders"/>) on Kafka records.</summary>
public static class RecordHeaders
{
    public static Headers With(this Headers headers, string name, string value)
    {
        headers.Add(name, Encoding.UTF8.GetBytes(value));
        return headers;
    }

    /// <summary>The command offset when the command came from ledger.commands; nothing for one handed
    /// to its writer in process, which is on no topic.</summary>
    public static Headers WithCommandOffset(this Headers headers, long? offset) =>
        offset is { } value ? headers.WithNumber(LedgerHeaders.CommandOffset, value) : headers;

    /// <summary>A header holding a decimal number (an offset).</summary>
    public static Headers WithNumber(this Headers headers, string name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var length);
        headers.Add(name, digits[..length].ToArray());
        return headers;
    }

    public static string? Find(this Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>A header holding a decimal number (the command offset), or null when absent or not one.</summary>
    public static long? FindNumber(this Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes)
            && Utf8Parser.TryParse(bytes, out long value, out var used) && used == bytes.Length
            ? value
            : null;

    /// <summary>The span's W3C trace context as the traceparent (and tracestate) header; nothing
    /// without a span, so a record costs nothing extra while no tracer listens.</summary>
    public static Headers WithTraceContext(this Headers headers, Activity? span)
    {
        if (span is null || span.IdFormat != ActivityIdFormat.W3C) return headers;
        headers.Add(LedgerHeaders.TraceParent, Encoding.ASCII.GetBytes(span.Id!));
        if (!string.IsNullOrEmpty(span.TraceStateString)) headers.Add(LedgerHeaders.TraceState, Encoding.ASCII.GetBytes(span.TraceStateString));
        return headers;
    }

    /// <summary>The trace context headers of one record copied onto another as they are (the same
    /// bytes, nothing parsed): an event carries its command's trace when the writer traces nothing itself.</summary>
    public static Headers WithTraceContextOf(this Headers headers, Headers? source)
    {
        if (source is null || !source.TryGetLastBytes(LedgerHeaders.TraceParent, out var parent)) return headers;
        headers.Add(LedgerHeaders.TraceParent, parent);
        if (source.TryGetLastBytes(LedgerHeaders.TraceState, out var state)) headers.Add(LedgerHeaders.TraceState, state);
        return headers;
    }

    /// <summary>The remote span a record's traceparent names, or default when it has none or a malformed one.</summary>
    public static ActivityContext FindTraceContext(this Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(LedgerHeaders.TraceParent, out var parent)) return default;
        var state = headers.TryGetLastBytes(LedgerHeaders.TraceState, out var stateBytes) ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out var context) ? context : default;
    }
}
