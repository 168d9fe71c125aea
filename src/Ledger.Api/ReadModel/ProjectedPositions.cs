using System.Diagnostics;
using Ledger.Kafka;
using Npgsql;

namespace Ledger.Api.ReadModel;

/// <summary>
/// How far the projector has projected each partition of ledger.events (projector_offsets, written in
/// the same transaction as the read models), for reads that wait on a <see cref="ConsistencyToken"/>.
/// However many reads wait, the table is read at most once per ConsistencyPollInterval.
/// </summary>
public sealed class ProjectedPositions(NpgsqlDataSource readModel, KafkaOptions kafka, ReadModelOptions options, TimeProvider clock)
{
    private readonly SemaphoreSlim _reading = new(1, 1);
    private Dictionary<int, long> _next = [];
    private long _readAt = long.MinValue;

    /// <summary>True once the read models hold the partition past the token's offset; false when
    /// ConsistencyWaitMax ran out first. Never waits longer than that.</summary>
    public async Task<bool> WaitPast(ConsistencyToken token, CancellationToken cancellation)
    {
        var started = clock.GetTimestamp();
        while (true)
        {
            if (await NextOffset(token.Partition, cancellation) > token.EventOffset) return true;
            var left = options.ConsistencyWaitMax - clock.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return false;
            await Task.Delay(left < options.ConsistencyPollInterval ? left : options.ConsistencyPollInterval, clock, cancellation);
        }
    }

    /// <summary>The next offset the projector will project on the partition; -1 when it has projected none.</summary>
    private async Task<long> NextOffset(int partition, CancellationToken cancellation)
    {
        if (!Stale()) return Volatile.Read(ref _next).GetValueOrDefault(partition, -1);
        await _reading.WaitAsync(cancellation);
        try
        {
            if (Stale())
            {
                var next = new Dictionary<int, long>();
                await using var command = readModel.CreateCommand("select kafka_partition, next_offset from projector_offsets where topic = $1");
                command.Parameters.AddWithValue(kafka.EventsTopic);
                await using (var reader = await command.ExecuteReaderAsync(cancellation))
                    while (await reader.ReadAsync(cancellation)) next[reader.GetInt32(0)] = reader.GetInt64(1);
                Volatile.Write(ref _next, next);
                Volatile.Write(ref _readAt, clock.GetTimestamp());
            }
            return _next.GetValueOrDefault(partition, -1);
        }
        finally
        {
            _reading.Release();
        }
    }

    private bool Stale()
    {
        var readAt = Volatile.Read(ref _readAt);
        return readAt == long.MinValue || clock.GetElapsedTime(readAt) >= options.ConsistencyPollInterval;
    }
}
