using Confluent.Kafka;
using Ledger.Kafka;
using Npgsql;

namespace Ledger.Api.ReadModel;

/// <summary>GET /v1/projection/lag: per partition of ledger.events, where the projector is (its next
/// offset, stored in PostgreSQL with the rows), the topic's high watermark, the lag in events, and
/// the time of the last event projected from that partition.</summary>
public static class ProjectionLagApi
{
    public static IEndpointRouteBuilder MapProjectionLag(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/projection/lag", Lag).WithName("getProjectionLag").WithTags("ReadModel")
            .WithSummary("Projection lag").WithDescription("Per partition of ledger.events: the projector's next offset, the high watermark, the lag in events. No token needed.");
        return routes;
    }

    /// <summary>
    /// Events not yet projected. Every writer transaction ends with a commit marker, an offset that holds
    /// no event, right after its last event; the projector's next offset stops before the marker of the
    /// transaction it read last. So the offsets left minus that one marker: 0 exactly when caught up, and
    /// otherwise at most the events left plus one marker per unprojected transaction.
    /// </summary>
    public static long EventsBehind(long highWatermark, long? next) =>
        next is { } n ? Math.Max(0, highWatermark - n - 1) : highWatermark;

    private static async Task<IResult> Lag(NpgsqlDataSource readModel, KafkaOptions kafka, TopicWatermarks watermarks,
        CancellationToken cancellation)
    {
        var stored = new Dictionary<int, (long Next, DateTimeOffset? LastAt, long? LastSequence)>();
        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        await using (var command = new NpgsqlCommand("""
            select o.kafka_partition, o.next_offset, e.at, e.sequence
              from projector_offsets o
              left join events e on e.kafka_partition = o.kafka_partition and e.kafka_offset = o.next_offset - 1
             where o.topic = $1
            """, connection))
        {
            command.Parameters.AddWithValue(kafka.EventsTopic);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
                stored[reader.GetInt32(0)] = (reader.GetInt64(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
        }
        var high = await Task.Run(() => watermarks.High(kafka.EventsTopic, kafka.Partitions), cancellation);
        var partitions = Enumerable.Range(0, kafka.Partitions).Select(p =>
        {
            var known = stored.TryGetValue(p, out var s);
            long? next = known ? s.Next : null;
            long? highWatermark = high[p];
            return new
            {
                partition = p,
                nextOffset = next,
                highWatermark,
                lag = highWatermark is { } h ? EventsBehind(h, next) : (long?)null,
                lastEventSequence = known ? s.LastSequence : null,
                lastEventTime = known ? s.LastAt : null,
            };
        }).ToList();
        var freshness = await Freshness.Read(connection, cancellation);
        return TypedResults.Ok(new
        {
            topic = kafka.EventsTopic,
            totalLag = partitions.All(p => p.lag is not null) ? partitions.Sum(p => p.lag) : null,
            partitions,
            asOf = freshness,
        });
    }
}

/// <summary>Asks Kafka for the high watermarks of a topic with one long-lived consumer that never
/// joins a group. A partition Kafka did not answer for in time is null.</summary>
public sealed class TopicWatermarks(BootstrapServers bootstrap) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Lazy<IConsumer<Ignore, Ignore>> _consumer = new(() =>
        new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(bootstrap.Value, "ledger-lag-reader")).Build());

    public long?[] High(string topic, int partitions)
    {
        var high = new long?[partitions];
        for (var p = 0; p < partitions; p++)
        {
            try { high[p] = _consumer.Value.QueryWatermarkOffsets(new TopicPartition(topic, p), Timeout).High.Value; }
            catch (KafkaException) { high[p] = null; }
        }
        return high;
    }

    public void Dispose()
    {
        if (_consumer.IsValueCreated) _consumer.Value.Dispose();
    }
}
