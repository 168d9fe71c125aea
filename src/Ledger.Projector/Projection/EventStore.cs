using Ledger.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Projector.Projection;

/// <summary>Appends a batch to the events table with one binary COPY: no round trip per event. The
/// batch's global sequences are reserved first (a command of the batch's first round trip), so the
/// other projections know them.</summary>
public static class EventStore
{
    /// <summary>Sequences come from the identity's own sequence, so concurrent projectors never share one;
    /// they come back as one array, in order. The sequence's name is looked up once (an init plan), not
    /// per row: per row it cost more than nextval.</summary>
    public static NpgsqlBatchCommand Reserve(int count) => new("""
        select array_agg(sequence order by sequence)
          from (select nextval((select pg_get_serial_sequence('events', 'sequence')::regclass)) as sequence
                  from generate_series(1, $1)) reserved
        """)
    {
        Parameters = { new NpgsqlParameter<int> { TypedValue = count } },
    };

    /// <summary>Reads the sequences <see cref="Reserve"/> returned.</summary>
    /// <returns>The batch with each event's sequence, in the order given (and so in sequence order).</returns>
    public static async Task<ProjectedEvent[]> Sequenced(NpgsqlDataReader reader, IReadOnlyList<ProjectedEvent> batch,
        CancellationToken cancellation)
    {
        if (!await reader.ReadAsync(cancellation)) throw new InvalidOperationException("no sequences were reserved");
        var sequences = reader.GetFieldValue<long[]>(0);
        if (sequences.Length != batch.Count) throw new InvalidOperationException($"reserved {sequences.Length} sequences for {batch.Count} events");
        var sequenced = new ProjectedEvent[batch.Count];
        for (var i = 0; i < batch.Count; i++) sequenced[i] = batch[i] with { Sequence = sequences[i] };
        return sequenced;
    }

    /// <summary>Copies events whose sequences are set. The body goes as the record's UTF-8 bytes, as published.</summary>
    public static async Task Copy(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> sequenced, CancellationToken cancellation)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy events (sequence, kafka_partition, kafka_offset, command_id, user_id, idempotency_key, type, asset, rejection_code, at, body)
            from stdin (format binary)
            """, cancellation);
        foreach (var projected in sequenced)
        {
            var @event = projected.Message.Event;
            await copy.StartRowAsync(cancellation);
            await copy.WriteAsync(projected.Sequence, NpgsqlDbType.Bigint, cancellation);
            await copy.WriteAsync(projected.Partition, NpgsqlDbType.Integer, cancellation);
            await copy.WriteAsync(projected.Offset, NpgsqlDbType.Bigint, cancellation);
            await copy.WriteAsync(@event.Request.CommandId, NpgsqlDbType.Uuid, cancellation);
            await copy.WriteAsync(@event.Request.UserId, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.Request.IdempotencyKey, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.GetType().Name, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(@event.Asset, NpgsqlDbType.Text, cancellation);
            await WriteNullable(copy, (@event as IRejection)?.Code, cancellation);
            await copy.WriteAsync(@event.At.UtcDateTime, NpgsqlDbType.TimestampTz, cancellation);
            await copy.WriteAsync(projected.Body, NpgsqlDbType.Jsonb, cancellation);
        }
        await copy.CompleteAsync(cancellation);
    }

    private static async Task WriteNullable(NpgsqlBinaryImporter copy, string? text, CancellationToken cancellation)
    {
        if (text is null) await copy.WriteNullAsync(cancellation);
        else await copy.WriteAsync(text, NpgsqlDbType.Text, cancellation);
    }
}
