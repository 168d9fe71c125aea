using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>Reads the newest records of one partition, outside any consumer group, to find the
/// largest value a header holds there (the last command a writer decided, for instance).</summary>
public static class PartitionTail
{
    /// <summary>Records read back at first; the window grows by <see cref="WindowGrowth"/> until a record
    /// with the header is found or the start of the partition is reached.</summary>
    public const int WindowRecords = 64;
    public const int WindowGrowth = 8;

    /// <summary>The largest value of <paramref name="header"/> (a decimal number) among the records of the
    /// newest window that holds one; null when no record of the partition carries it.</summary>
    public static long? LargestHeaderValue(string bootstrapServers, TopicPartition partition, string header, TimeSpan stallTimeout,
        CancellationToken cancellation)
    {
        long low, high;
        var config = KafkaClients.Consumer(bootstrapServers, groupId: $"ledger-tail-{Guid.NewGuid():N}");
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build())
        {
            var watermarks = consumer.QueryWatermarkOffsets(partition, stallTimeout);
            (low, high) = (watermarks.Low.Value, watermarks.High.Value);
        }
        for (long window = WindowRecords; ; window *= WindowGrowth)
        {
            var from = Math.Max(low, high - window);
            long? largest = null;
            if (high > from)
                PartitionReader.ReadToEnd(bootstrapServers, partition, stallTimeout, record =>
                {
                    if (record.Message.Headers.FindNumber(header) is { } value && (largest is null || value > largest)) largest = value;
                }, cancellation, from);
            if (largest is not null || from == low) return largest;
        }
    }
}
