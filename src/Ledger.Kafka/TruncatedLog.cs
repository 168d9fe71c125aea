using Confluent.Kafka;

namespace Ledger.Kafka;

/// <summary>
/// A partition whose oldest records the broker has deleted where the ledger still needed them: a
/// writer cannot rebuild from a log missing its start, and a position behind the log's start means
/// commands or events were deleted before they were read. Never carried on from: it would silently
/// lose money. (ledger.events must be kept forever; librdkafka's mock cluster keeps only the newest
/// 5 MiB of each partition, see README "Local Kafka's limits".)
/// </summary>
public sealed class TruncatedLog(string message) : Exception(message)
{
    /// <summary>Throws unless the partition still holds every record from <paramref name="position"/> on
    /// (null: the whole partition, from offset 0).</summary>
    public static void ThrowIfMissing(IConsumer<string, byte[]> consumer, TopicPartition partition, long? position, TimeSpan timeout)
    {
        var earliest = consumer.QueryWatermarkOffsets(partition, timeout).Low.Value;
        var needed = position ?? 0;
        if (earliest > needed)
            throw new TruncatedLog($"{partition.Topic}/{partition.Partition.Value} starts at offset {earliest}, " +
                                   $"but offsets from {needed} are needed: the broker deleted them");
    }
}
