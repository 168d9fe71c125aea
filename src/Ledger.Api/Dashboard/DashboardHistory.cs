using Ledger.Api.Observability;
using Ledger.Api.Writer;
using Ledger.Observability;

namespace Ledger.Api.Dashboard;

/// <summary>
/// Once a second, reads this process's totals (<see cref="ApiMetrics.Totals"/>, the writers' lag) and keeps
/// the last <see cref="SamplesMax"/> seconds
/// of what the dashboard draws: commands per second, decision p99 over the last
/// <see cref="LatencyWindowSamples"/> seconds, refusals per second. Memory is bounded by both.
/// </summary>
public sealed class DashboardHistory(ApiMetrics metrics, LocalWriters writers, Kafka.KafkaOptions kafka, TimeProvider time) : BackgroundService
{
    public const int SamplesMax = 300;
    public const int LatencyWindowSamples = 10;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Queue<Sample> _samples = new();
    private readonly Queue<Totals> _totals = new();
    private IReadOnlyList<PartitionLag> _writerLag = [];

    public sealed record Sample(DateTimeOffset At, double CommandsPerSecond, double? DecisionP99Ms, double RefusalsPerSecond);
    public sealed record PartitionLag(int Partition, long Lag);
    private sealed record Totals(DateTimeOffset At, double Received, double Refusals, long[] DecisionBuckets);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stopping)) Take();
    }

    public (IReadOnlyList<Sample> Samples, IReadOnlyList<PartitionLag> WriterLag) Read()
    {
        lock (_lock) return ([.. _samples], _writerLag);
    }

    /// <summary>One sample from the totals as they are now.</summary>
    public void Take()
    {
        var totals = metrics.Totals();
        var now = new Totals(time.GetUtcNow(), totals.Received, totals.Refusals, totals.DecisionBuckets);
        var lag = Enumerable.Range(0, kafka.Partitions).Where(writers.Owns)
            .Select(p => new PartitionLag(p, writers.Lag(p))).Where(p => p.Lag >= 0).ToList();

        lock (_lock)
        {
            _writerLag = lag;
            if (_totals.Count > 0)
            {
                var previous = _totals.Last();
                var seconds = Math.Max(0.001, (now.At - previous.At).TotalSeconds);
                var windowStart = _totals.Peek();
                var window = now.DecisionBuckets.Select((count, i) => count - windowStart.DecisionBuckets[i]).ToArray();
                _samples.Enqueue(new Sample(now.At, (now.Received - previous.Received) / seconds,
                    Quantile(MetricsEndpoint.SecondsBuckets, window, 0.99) * 1000, (now.Refusals - previous.Refusals) / seconds));
                while (_samples.Count > SamplesMax) _samples.Dequeue();
            }
            _totals.Enqueue(now);
            while (_totals.Count > LatencyWindowSamples) _totals.Dequeue();
        }
    }

    /// <summary>The q-quantile of bucketed counts, interpolated inside its bucket as Prometheus'
    /// histogram_quantile does; null for no observations.</summary>
    public static double? Quantile(IReadOnlyList<double> bounds, IReadOnlyList<long> counts, double q)
    {
        var total = counts.Sum();
        if (total <= 0 || bounds.Count == 0) return null;
        var rank = q * total;
        long cumulative = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] > 0 && cumulative + counts[i] >= rank)
            {
                if (i >= bounds.Count) return bounds[^1];
                var lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * (rank - cumulative) / counts[i];
            }
            cumulative += counts[i];
        }
        return bounds[^1];
    }
}
