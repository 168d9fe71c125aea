using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ledger.Projector.Projection;

/// <summary>What the projector measures: batch write time, events projected, projection lag.</summary>
public sealed class ProjectorMetrics
{
    public const string MeterName = "Ledger.Projector";

    private readonly Histogram<double> _batchMs;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _lagSeconds;
    private readonly ConcurrentDictionary<int, double> _latestLagSeconds = new();

    public ProjectorMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _batchMs = meter.CreateHistogram<double>("ledger.projector.batch.duration", "ms", "Time to write one batch to PostgreSQL");
        _events = meter.CreateCounter<long>("ledger.projector.events", "{event}", "Events projected");
        _lagSeconds = meter.CreateHistogram<double>("ledger.projector.lag", "s", "Time from an event's decision to its projection");
        meter.CreateObservableGauge("ledger.projector.lag.latest",
            () => _latestLagSeconds.Select(p => new Measurement<double>(p.Value, new KeyValuePair<string, object?>("partition", p.Key))),
            "s", "Projection lag of the newest event of each partition's last batch");
    }

    /// <summary>After a revoke or a loss: the partitions' latest lag is no longer this member's to report.</summary>
    public void PartitionsReleased() => _latestLagSeconds.Clear();

    public void BatchWritten(IReadOnlyList<ProjectedEvent> batch, double ms)
    {
        _batchMs.Record(ms);
        _events.Add(batch.Count);
        var newest = batch.Max(e => e.Message.Event.At);
        _lagSeconds.Record(Math.Max(0, (DateTimeOffset.UtcNow - newest).TotalSeconds));
        foreach (var partition in batch.GroupBy(e => e.Partition))
            _latestLagSeconds[partition.Key] = Math.Max(0, (DateTimeOffset.UtcNow - partition.Max(e => e.Message.Event.At)).TotalSeconds);
    }
}
