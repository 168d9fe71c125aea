using System.Collections.Concurrent;
using Confluent.Kafka;
using Prometheus;

namespace Ledger.Observability;

/// <summary>
/// Consumer lag per owned partition (records on the broker not yet handled), published as a gauge
/// with a partition label. Sampled from the consuming thread at most once per <see cref="SampleInterval"/>
/// from the client's cached high watermarks and positions: no network round trip.
/// </summary>
public sealed class ConsumerLag
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<int, long> _lag = new();
    private readonly Gauge _gauge;
    private readonly TimeProvider _time;
    private long _nextSample;

    public ConsumerLag(IMetricFactory metrics, string name, string help, TimeProvider time)
    {
        _time = time;
        _gauge = metrics.CreateGauge(name, help, ["partition"]);
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
            if (!owned.Any(p => p.Partition.Value == partition)) Remove(partition);
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
            _gauge.WithLabels(partition.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(behind);
        }
        return true;
    }

    /// <summary>A partition no longer owned has no lag to report here: its series goes.</summary>
    private void Remove(int partition)
    {
        _lag.TryRemove(partition, out _);
        _gauge.RemoveLabelled(partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Clear()
    {
        foreach (var partition in _lag.Keys) Remove(partition);
    }
}
