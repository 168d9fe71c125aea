using System.Text;
using Ledger.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Projector.Projection;

/// <summary>Appends a batch to the events table with one binary COPY: no round trip per event.</summary>
public static class EventStore
{
    public static async Task Append(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy events (kafka_partition, kafka_offset, command_id, user_id, idempotency_key, type, asset, rejection_code, at, body)
            from stdin (format binary)
            """, cancellation);
        foreach (var projected in batch)
        {
            var @event = projected.Message.Event;
            await copy.StartRowAsync(cancellation);
            await copy.WriteAsync(projected.Partition, NpgsqlDbType.Integer, cancellation);
            await copy.WriteAsync(projected.Offset, NpgsqlDbType.Bigint, cancellation);
            await copy.WriteAsync(@event.Request.CommandId, NpgsqlDbType.Uuid, cancellation);
            await copy.WriteAsync(@event.Request.UserId, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.Request.IdempotencyKey, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.GetType().Name, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.Asset, NpgsqlDbType.Text, cancellation);
            await WriteNullable(copy, (@event as IRejection)?.Code, cancellation);
            await copy.WriteAsync(@event.At.UtcDateTime, NpgsqlDbType.TimestampTz, cancellation);
            await copy.WriteAsync(Encoding.UTF8.GetString(projected.Body), NpgsqlDbType.Jsonb, cancellation);
        }
        await copy.CompleteAsync(cancellation);
    }

    private static async Task WriteNullable(NpgsqlBinaryImporter copy, string? text, CancellationToken cancellation)
    {
        if (text is null) await copy.WriteNullAsync(cancellation);
        else await copy.WriteAsync(text, NpgsqlDbType.Text, cancellation);
    }
}
