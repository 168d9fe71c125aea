using Confluent.Kafka;
using Ledger.Kafka;

namespace Ledger.Api.Audit;

/// <summary>Reads whole topics (every partition from its first record held) outside any consumer
/// group, with one consumer per topic, for the audit. Nothing is committed.</summary>
internal static class KafkaLog
{
    private const string ReaderGroup = "ledger-audit"; // never joined, never committed: Assign only
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Where a partition starts (the oldest offset the broker still holds) and ends (its high watermark).</summary>
    public readonly record struct Extent(long Start, long End);

    /// <param name="endsExclusive">Per partition, the offset to stop before; a partition missing from it is read to its end.</param>
    public static Extent[] Read(string bootstrapServers, string topic, int partitions, IReadOnlyDictionary<int, long>? endsExclusive,
        TimeSpan stallTimeout, Action<ConsumeResult<string, byte[]>> onRecord, CancellationToken cancellation)
    {
        var config = KafkaClients.Consumer(bootstrapServers, ReaderGroup);
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var extents = new Extent[partitions];
        var stopBefore = new long[partitions];
        var open = new HashSet<int>();
        for (var p = 0; p < partitions; p++)
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), stallTimeout);
            extents[p] = new Extent(watermarks.Low.Value, watermarks.High.Value);
            stopBefore[p] = endsExclusive is not null && endsExclusive.TryGetValue(p, out var end) ? Math.Min(end, extents[p].End) : extents[p].End;
            if (stopBefore[p] > extents[p].Start) open.Add(p);
        }
        if (open.Count == 0) return extents;

        consumer.Assign(open.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var lastProgress = DateTime.UtcNow;
        while (open.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            if (DateTime.UtcNow - lastProgress > stallTimeout)
                throw new TimeoutException($"reading {topic} stalled for {stallTimeout} with partitions {string.Join(",", open)} unfinished");
            var result = consumer.Consume(PollTimeout);
            if (result is null) continue;
            lastProgress = DateTime.UtcNow;
            var partition = result.Partition.Value;
            if (!open.Contains(partition)) continue;
            if (result.IsPartitionEOF || result.Offset.Value >= stopBefore[partition])
            {
                open.Remove(partition);
                continue;
            }
            onRecord(result);
            // Control records (transaction markers) take offsets but are never delivered: stop at the last
            // offset wanted, or at the end of the partition, whichever comes first.
            if (result.Offset.Value >= stopBefore[partition] - 1) open.Remove(partition);
        }
        consumer.Close();
        return extents;
    }

    /// <summary>The offsets a consumer group committed (what its members have finished with); 0 when none.</summary>
    public static Dictionary<int, long> Committed(string bootstrapServers, string group, string topic, int partitions, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(bootstrapServers, group)).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), timeout);
        return committed.ToDictionary(c => c.Partition.Value, c => c.Offset == Offset.Unset ? 0 : c.Offset.Value);
    }
}
