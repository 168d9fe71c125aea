using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// The projector's position per partition, kept in PostgreSQL beside the rows it produced.
/// Advancing is conditional on the position the projector last read: a projector that lost its
/// partition (a zombie) finds the position moved, and its batch is rolled back.
/// </summary>
public static class ProjectorOffsets
{
    public static async Task<Dictionary<int, long>> Read(NpgsqlDataSource database, string topic, CancellationToken cancellation)
    {
        var offsets = new Dictionary<int, long>();
        await using var command = database.CreateCommand("select kafka_partition, next_offset from projector_offsets where topic = $1");
        command.Parameters.AddWithValue(topic);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) offsets[reader.GetInt32(0)] = reader.GetInt64(1);
        return offsets;
    }

    /// <param name="expected">The position this projector read or last wrote; null when none was stored.</param>
    public static async Task Advance(NpgsqlConnection connection, string topic, int partition, long? expected, long next,
        CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand("""
            insert into projector_offsets (topic, kafka_partition, next_offset, updated_at)
            values ($1, $2, $3, now())
            on conflict (topic, kafka_partition) do update
                set next_offset = excluded.next_offset, updated_at = excluded.updated_at
                where projector_offsets.next_offset = $4
            """, connection);
        command.Parameters.AddWithValue(topic);
        command.Parameters.AddWithValue(partition);
        command.Parameters.AddWithValue(next);
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = expected ?? -1 });
        if (await command.ExecuteNonQueryAsync(cancellation) != 1)
            throw new ProjectorFenced($"partition {partition} of {topic} moved past {expected}: another projector owns it now");
    }
}

public sealed class ProjectorFenced(string message) : Exception(message);
