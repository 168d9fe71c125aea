using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>Reads one partition from an offset (0: its first record; if the broker deleted records
/// from there on it throws <see cref="TruncatedLog"/>) to its end (the last committed transaction),
/// outside any consumer group. Used to rebuild a writer's state from ledger.events: all of it, or the
/// events after a snapshot.</summary>
public static class PartitionReader
{
    /// <param name="stallTimeout">How long it may go without receiving anything before it gives up.</param>
    public static long ReadToEnd(string bootstrapServers, TopicPartition partition, TimeSpan stallTimeout,
        Action<ConsumeResult<string, byte[]>> onRecord, CancellationToken cancellation, long from = 0)
    {
        var config = KafkaClients.Consumer(bootstrapServers, groupId: $"ledger-reader-{Guid.NewGuid():N}");
        config.EnablePartitionEof = true;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        TruncatedLog.ThrowIfMissing(consumer, partition, position: from, stallTimeout);
        var watermarks = consumer.QueryWatermarkOffsets(partition, stallTimeout);
        if (watermarks.High.Value <= Math.Max(watermarks.Low.Value, from)) return 0;

        consumer.Assign(new TopicPartitionOffset(partition, from == 0 ? Offset.Beginning : new Offset(from)));
        var lastProgress = DateTime.UtcNow;
        long count = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (DateTime.UtcNow - lastProgress > stallTimeout)
                throw new TimeoutException($"reading {partition} stalled for {stallTimeout} after {count} records");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null) continue;
            lastProgress = DateTime.UtcNow;
            if (result.IsPartitionEOF) break;
            onRecord(result);
            count++;
        }
        consumer.Close();
        return count;
    }
}
