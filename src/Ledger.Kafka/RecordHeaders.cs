using System.Buffers.Text;
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

    public static Headers WithCommandOffset(this Headers headers, long offset) => headers.WithNumber(LedgerHeaders.CommandOffset, offset);

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
}
