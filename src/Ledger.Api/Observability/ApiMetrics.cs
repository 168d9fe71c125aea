using Ledger.Api.Commands;
using Ledger.Observability;
using Prometheus;

namespace Ledger.Api.Observability;

/// <summary>What the edge measures: commands received, accepted, rejected (by type), decision
/// latency, commands in flight, refusals (429/503), HTTP latency by route. Durations in seconds.
/// It also keeps, for the dashboard, the totals it draws (<see cref="Totals"/>).</summary>
public sealed class ApiMetrics
{
    private readonly Counter _received;
    private readonly Counter _handed;
    private readonly Counter _accepted;
    private readonly Counter _rejected;
    private readonly Counter _replayed;
    private readonly Counter _undecided;
    private readonly Histogram _decisionSeconds;
    private readonly Counter _refusals;
    private readonly Histogram _httpSeconds;

    private long _receivedTotal;
    private long _refusalsTotal;
    private readonly long[] _decisionBuckets = new long[MetricsEndpoint.SecondsBuckets.Length + 1];

    /// <param name="admission">Counts the commands waiting for their decision; the gauge reads its count at each scrape.</param>
    public ApiMetrics(IMetricFactory metrics, CollectorRegistry registry, CommandAdmission admission)
    {
        _received = metrics.CreateCounter("ledger_api_commands_received_total", "Commands sent to a writer: put on the command log, or handed to this process's writer", ["type"]);
        _handed = metrics.CreateCounter("ledger_api_commands_handed_total", "Commands this process's writer took in process, without the command log", ["type"]);
        _accepted = metrics.CreateCounter("ledger_api_commands_accepted_total", "Commands the writer accepted", ["type"]);
        _rejected = metrics.CreateCounter("ledger_api_commands_rejected_total", "Commands the writer refused, by code", ["type", "code"]);
        _replayed = metrics.CreateCounter("ledger_api_commands_replayed_total", "Repeated idempotency keys answered with the first outcome", ["type"]);
        _undecided = metrics.CreateCounter("ledger_api_commands_undecided_total", "Commands answered 202 because the decision deadline passed", ["type"]);
        _decisionSeconds = metrics.CreateHistogram("ledger_api_decision_duration_seconds", "Time from producing a command to knowing its decision",
            new HistogramConfiguration { LabelNames = ["type"], Buckets = MetricsEndpoint.SecondsBuckets });
        var inFlight = metrics.CreateGauge("ledger_api_commands_in_flight", "Commands produced and waiting for their decision");
        registry.AddBeforeCollectCallback(() => inFlight.Set(admission.InFlight));
        _refusals = metrics.CreateCounter("ledger_api_refusals_total", "Requests refused for overload or unavailability, by status", ["status"]);
        _httpSeconds = metrics.CreateHistogram("ledger_http_server_request_duration_seconds", "HTTP request duration by route pattern and status",
            new HistogramConfiguration { LabelNames = ["method", "route", "status"], Buckets = MetricsEndpoint.SecondsBuckets });
        foreach (var status in RefusalStatuses) _refusals.WithLabels(StatusText(status)).Publish();
    }

    public static readonly int[] RefusalStatuses = [StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable];

    public void Received(string type)
    {
        _received.WithLabels(type).Inc();
        Interlocked.Increment(ref _receivedTotal);
    }

    public void Handed(string type)
    {
        Received(type);
        _handed.WithLabels(type).Inc();
    }

    public void Decided(string type, string? rejectionCode, bool replayed, double seconds)
    {
        _decisionSeconds.WithLabels(type).Observe(seconds);
        Interlocked.Increment(ref _decisionBuckets[BucketOf(seconds)]);
        if (replayed) _replayed.WithLabels(type).Inc();
        else if (rejectionCode is null) _accepted.WithLabels(type).Inc();
        else _rejected.WithLabels(type, rejectionCode).Inc();
    }

    public void Undecided(string type) => _undecided.WithLabels(type).Inc();

    public void Answered(string method, string route, int status, double seconds)
    {
        var statusText = StatusText(status);
        _httpSeconds.WithLabels(method, route, statusText).Observe(seconds);
        if (RefusalStatuses.Contains(status) && route.StartsWith("/v1/", StringComparison.Ordinal))
        {
            _refusals.WithLabels(statusText).Inc();
            Interlocked.Increment(ref _refusalsTotal);
        }
    }

    /// <summary>What the dashboard draws, as totals since start: commands received, refusals, and the
    /// decision times counted per bucket of <see cref="MetricsEndpoint.SecondsBuckets"/> (the last
    /// one above every bound).</summary>
    public sealed record DashboardTotals(long Received, long Refusals, long[] DecisionBuckets);

    public DashboardTotals Totals()
    {
        var buckets = new long[_decisionBuckets.Length];
        for (var i = 0; i < buckets.Length; i++) buckets[i] = Interlocked.Read(ref _decisionBuckets[i]);
        return new DashboardTotals(Interlocked.Read(ref _receivedTotal), Interlocked.Read(ref _refusalsTotal), buckets);
    }

    private static int BucketOf(double seconds)
    {
        var bounds = MetricsEndpoint.SecondsBuckets;
        var bucket = 0;
        while (bucket < bounds.Length && seconds > bounds[bucket]) bucket++;
        return bucket;
    }

    // Status codes repeat: their text is made once, not per request.
    private static readonly string[] StatusTexts = Enumerable.Range(0, 600).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string StatusText(int status) =>
        status >= 0 && status < StatusTexts.Length ? StatusTexts[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
