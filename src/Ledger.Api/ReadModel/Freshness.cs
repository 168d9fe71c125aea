using Npgsql;

namespace Ledger.Api.ReadModel;

/// <summary>How fresh a read is: the global sequence and time of the last event projected.</summary>
public sealed record Freshness(long? EventSequence, DateTimeOffset? EventTime)
{
    public static async Task<Freshness> Read(NpgsqlConnection connection, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand("select sequence, at from events order by sequence desc limit 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation)
            ? new Freshness(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1))
            : new Freshness(null, null);
    }
}
