using System.Collections.Concurrent;
using Ledger.Observability;
using Prometheus;

namespace Ledger.Projector.Projection;

/// <summary>What the projector measures: batch write time, events projected, projection lag (seconds).</summary>
public sealed class ProjectorMetrics
{
    private readonly Histogram _batchSeconds;
    private readonly Counter _events;
    private readonly Histogram _lagSeconds;
    private readonly Gauge _latestLagSeconds;
    private readonly ConcurrentDictionary<int, string> _partitionsReported = new();

    public ProjectorMetrics(IMetricFactory metrics)
    {
        _batchSeconds = metrics.CreateHistogram("ledger_projector_batch_duration_seconds", "Time to write one batch to PostgreSQL",
            new HistogramConfiguration { Buckets = MetricsEndpoint.SecondsBuckets });
        _events = metrics.CreateCounter("ledger_projector_events_total", "Events projected");
        _lagSeconds = metrics.CreateHistogram("ledger_projector_lag_seconds", "Time from an event's decision to its projection",
            new HistogramConfiguration { Buckets = MetricsEndpoint.SecondsBuckets });
        _latestLagSeconds = metrics.CreateGauge("ledger_projector_lag_latest_seconds",
            "Projection lag of the newest event of each partition's last batch", ["partition"]);
    }

    /// <summary>After a revoke or a loss: the partitions' latest lag is no longer this member's to report.</summary>
    public void PartitionsReleased()
    {
        foreach (var label in _partitionsReported.Values) _latestLagSeconds.RemoveLabelled(label);
        _partitionsReported.Clear();
    }

    public void BatchWritten(IReadOnlyList<ProjectedEvent> batch, double seconds)
    {
        _batchSeconds.Observe(seconds);
        _events.Inc(batch.Count);
        var now = DateTimeOffset.UtcNow;
        var newest = batch.Max(e => e.Message.Event.At);
        _lagSeconds.Observe(Math.Max(0, (now - newest).TotalSeconds));
        foreach (var partition in batch.GroupBy(e => e.Partition))
        {
            var label = _partitionsReported.GetOrAdd(partition.Key, p => p.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _latestLagSeconds.WithLabels(label).Set(Math.Max(0, (now - partition.Max(e => e.Message.Event.At)).TotalSeconds));
        }
    }
}
