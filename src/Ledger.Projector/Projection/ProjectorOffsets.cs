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

    /// <summary>Moves every partition of the batch to its next offset in one statement, returning the
    /// partitions it moved. Partitions are locked in ascending order, so two projectors that both hold
    /// some of them cannot deadlock.</summary>
    /// <param name="stored">Per partition, the position this projector read or last wrote; null when none was stored.</param>
    public static NpgsqlBatchCommand Advance(string topic, IReadOnlyDictionary<int, long> next, IReadOnlyDictionary<int, long?> stored)
    {
        var partitions = next.Keys.Order().ToArray();
        return new NpgsqlBatchCommand("""
            with advance as (
                select * from unnest($2::integer[], $3::bigint[], $4::bigint[]) as advance(kafka_partition, next_offset, expected))
            insert into projector_offsets (topic, kafka_partition, next_offset, updated_at)
            select $1, kafka_partition, next_offset, now() from advance
            on conflict (topic, kafka_partition) do update
                set next_offset = excluded.next_offset, updated_at = excluded.updated_at
                where projector_offsets.next_offset =
                    (select expected from advance where advance.kafka_partition = excluded.kafka_partition)
            returning kafka_partition
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = topic },
                new NpgsqlParameter<int[]> { TypedValue = partitions },
                new NpgsqlParameter<long[]> { TypedValue = [.. partitions.Select(p => next[p])] },
                new NpgsqlParameter<long[]> { TypedValue = [.. partitions.Select(p => stored.GetValueOrDefault(p) ?? -1)] },
            },
        };
    }

    /// <summary>Reads what <see cref="Advance"/> returned: a partition that did not move is another projector's now.</summary>
    public static async Task CheckAdvanced(NpgsqlDataReader reader, string topic, IReadOnlyDictionary<int, long> next,
        CancellationToken cancellation)
    {
        var advanced = 0;
        while (await reader.ReadAsync(cancellation)) advanced++;
        if (advanced != next.Count)
            throw new ProjectorFenced($"of partitions {string.Join(",", next.Keys.Order())} of {topic} only {advanced} were where this " +
                "projector left them: another projector owns them now");
    }
}

public sealed class ProjectorFenced(string message) : Exception(message);
