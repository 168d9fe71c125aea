using System.Text;
using Confluent.Kafka;

namespace Ledger.Kafka.Contracts;

/// <summary>Kafka header names the ledger writes on its records (docs/events.md).</summary>
public static class LedgerHeaders
{
    public const string EventType = "ledger-event-type";
    public const string SchemaVersion = "ledger-schema-version";
    public const string CorrelationId = "ledger-correlation-id";
    public const string IdempotencyKey = "ledger-idempotency-key";

    /// <summary>On every record a writer produces (event, reply, dead letter): the offset on
    /// ledger.commands of the command it decided. A writer resumes after the largest one.</summary>
    public const string CommandOffset = "ledger-command-offset";

    public static Headers With(this Headers headers, string name, string value)
    {
        headers.Add(name, Encoding.UTF8.GetBytes(value));
        return headers;
    }

    public static Headers WithCommandOffset(this Headers headers, long offset)
    {
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(offset, digits, out var length);
        headers.Add(CommandOffset, digits[..length].ToArray());
        return headers;
    }

    public static string? Find(this Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
