using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Ledger.Api.Observability;

/// <summary>The newest high watermark this process's outcome listener has seen per topic partition,
/// from the client's cache (no network round trip), sampled at most once a second. The dashboard
/// compares ledger.events' with the projector's stored offsets for the projector's lag per partition.</summary>
public sealed class HighWatermarks(TimeProvider time)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _high = new();
    private long _nextSample;

    public void SampleWhenDue<TKey, TValue>(IConsumer<TKey, TValue> consumer)
    {
        var now = time.GetTimestamp();
        if (now < _nextSample) return;
        _nextSample = now + (long)(SampleInterval.TotalSeconds * time.TimestampFrequency);
        foreach (var topicPartition in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(topicPartition).High;
            if (high != Offset.Unset) _high[(topicPartition.Topic, topicPartition.Partition.Value)] = high.Value;
        }
    }

    public IReadOnlyDictionary<int, long> Of(string topic) =>
        _high.Where(p => p.Key.Topic == topic).ToDictionary(p => p.Key.Partition, p => p.Value);
}
