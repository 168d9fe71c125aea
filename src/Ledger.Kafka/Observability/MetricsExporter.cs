using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ledger.Observability;

/// <summary>
/// Listens to the named meters and keeps, per instrument and tag set, what Prometheus needs:
/// counter sums, the latest gauge values, and histogram counts in fixed buckets. Both hosts use
/// it (prometheus-net and OpenTelemetry's exporter are not available); <see cref="PrometheusText"/> renders it.
/// </summary>
public sealed class MetricsExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregate> _instruments = new();
    private readonly Lock _collecting = new();

    public MetricsExporter(IEnumerable<string> meterNames)
    {
        var names = meterNames.ToHashSet(StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!names.Contains(instrument.Meter.Name)) return;
            var aggregate = InstrumentAggregate.For(instrument);
            if (aggregate is null) return;
            _instruments[instrument] = aggregate;
            listener.EnableMeasurementEvents(instrument, aggregate);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentAggregate? _);
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Every metric now, observable instruments observed afresh, sorted by name.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collecting)
        {
            foreach (var aggregate in _instruments.Values) aggregate.BeginObservation();
            _listener.RecordObservableInstruments();
            return _instruments.Values.Select(a => a.Snapshot())
                .GroupBy(f => f.Name, StringComparer.Ordinal)
                .Select(g => g.Count() == 1 ? g.First() : g.First() with { Points = [.. g.SelectMany(f => f.Points)] })
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .ToList();
        }
    }

    public string RenderText() => PrometheusText.Render(Collect());

    public void Dispose() => _listener.Dispose();
}

public enum MetricKind { Counter, Gauge, Histogram }

/// <summary>One metric: its Prometheus name, help, kind, bucket upper bounds (histograms) and series.</summary>
public sealed record MetricFamily(string Name, string Help, MetricKind Kind, IReadOnlyList<double> Bounds, IReadOnlyList<MetricPoint> Points);

/// <summary>One series. Counters and gauges use Value; histograms use BucketCounts (per bucket, not
/// cumulative, the last one above every bound), Sum and Count.</summary>
public sealed record MetricPoint(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, IReadOnlyList<long> BucketCounts, double Sum, long Count)
{
    public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;
}

internal sealed class InstrumentAggregate
{
    private const int SeriesMax = 2000; // a bound on label cardinality: further tag sets are dropped

    private static readonly double[] MillisecondBounds = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
    private static readonly double[] SecondBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] CountBounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly MetricKind _kind;
    private readonly bool _latestWins;
    private readonly bool _observable;
    private readonly double[] _bounds;
    private readonly string _name;
    private readonly string _help;

    private InstrumentAggregate(Instrument instrument, MetricKind kind, bool latestWins, double[] bounds)
    {
        _kind = kind;
        _latestWins = latestWins;
        _observable = instrument.IsObservable;
        _bounds = bounds;
        _name = PrometheusText.MetricName(instrument.Name, instrument.Unit, kind);
        _help = instrument.Description ?? instrument.Name;
    }

    public static InstrumentAggregate? For(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>)) return new(instrument, MetricKind.Counter, false, []);
        if (definition == typeof(ObservableCounter<>)) return new(instrument, MetricKind.Counter, true, []);
        if (definition == typeof(UpDownCounter<>)) return new(instrument, MetricKind.Gauge, false, []);
        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>))
            return new(instrument, MetricKind.Gauge, true, []);
        if (definition == typeof(Histogram<>)) return new(instrument, MetricKind.Histogram, false, BoundsOf(instrument));
        return null;
    }

    private static double[] BoundsOf(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        return advised ?? instrument.Unit switch { "ms" => MillisecondBounds, "s" => SecondBounds, _ => CountBounds };
    }

    /// <summary>Observable instruments report what exists now: series not observed again vanish.</summary>
    public void BeginObservation()
    {
        if (!_observable) return;
        lock (_series) _series.Clear();
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = PrometheusText.Labels(tags);
        var key = PrometheusText.LabelText(labels);
        lock (_series)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= SeriesMax) return;
                _series[key] = series = new Series(labels, new long[_bounds.Length + 1]);
            }
            if (_kind == MetricKind.Histogram)
            {
                var bucket = 0;
                while (bucket < _bounds.Length && value > _bounds[bucket]) bucket++;
                series.Buckets[bucket]++;
                series.Sum += value;
                series.Count++;
            }
            else if (_latestWins) series.Value = value;
            else series.Value += value;
        }
    }

    public MetricFamily Snapshot()
    {
        lock (_series)
        {
            var points = _series.OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new MetricPoint(s.Value.Labels, s.Value.Value, [.. s.Value.Buckets], s.Value.Sum, s.Value.Count))
                .ToList();
            return new MetricFamily(_name, _help, _kind, _bounds, points);
        }
    }

    private sealed class Series(IReadOnlyList<KeyValuePair<string, string>> labels, long[] buckets)
    {
        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = labels;
        public long[] Buckets { get; } = buckets;
        public double Value { get; set; }
        public double Sum { get; set; }
        public long Count { get; set; }
    }
}
