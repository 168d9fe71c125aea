using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace Ledger.Observability;

/// <summary>
/// Consumer lag per owned partition (records on the broker not yet handled), published as an
/// observable gauge. Sampled from the consuming thread at most once per <see cref="SampleInterval"/>
/// from the client's cached high watermarks and positions: no network round trip.
/// </summary>
public sealed class ConsumerLag
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<int, long> _lag = new();
    private readonly TimeProvider _time;
    private long _nextSample;

    public ConsumerLag(IMeterFactory meters, string meterName, string instrumentName, string description, TimeProvider time)
    {
        _time = time;
        meters.Create(meterName).CreateObservableGauge(instrumentName,
            () => _lag.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("partition", p.Key))),
            "{message}", description);
    }

    public IReadOnlyDictionary<int, long> Current => _lag;

    /// <summary>Samples when due; true when it did.</summary>
    public bool SampleWhenDue<TKey, TValue>(IConsumer<TKey, TValue> consumer)
    {
        var now = _time.GetTimestamp();
        if (now < _nextSample) return false;
        _nextSample = now + (long)(SampleInterval.TotalSeconds * _time.TimestampFrequency);

        var owned = consumer.Assignment;
        foreach (var partition in _lag.Keys)
            if (!owned.Any(p => p.Partition.Value == partition)) _lag.TryRemove(partition, out _);
        foreach (var topicPartition in owned)
        {
            var high = consumer.GetWatermarkOffsets(topicPartition).High;
            var position = consumer.Position(topicPartition);
            if (high == Offset.Unset) continue; // not fetched yet: unknown, not zero
            var partition = topicPartition.Partition.Value;
            // No position yet: nothing was handed out since the assignment although the fetcher has
            // reported a high watermark, so the committed offset was the end (briefly wrong while a
            // first fetched batch waits in the client's queue).
            var behind = position == Offset.Unset ? 0 : Math.Max(0, high.Value - position.Value);
            _lag[partition] = behind;
        }
        return true;
    }

    public void Clear() => _lag.Clear();
}
