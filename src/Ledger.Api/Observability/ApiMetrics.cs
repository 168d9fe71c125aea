using System.Diagnostics.Metrics;
using Ledger.Api.Commands;
using Ledger.Observability;

namespace Ledger.Api.Observability;

/// <summary>What the edge measures: commands received, accepted, rejected (by type), decision
/// latency, commands in flight, refusals (429/503), HTTP latency by route.</summary>
public sealed class ApiMetrics
{
    public const string MeterName = "Ledger.Api";

    private readonly Counter<long> _received;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _undecided;
    private readonly Histogram<double> _decisionMs;
    private readonly Counter<long> _refusals;
    private readonly Histogram<double> _httpMs;

    /// <param name="exporter">Listening before the first measurement, so the zeroed refusals are seen.</param>
    /// <param name="admission">Counts the commands waiting for their decision; the metric reads its count.</param>
    public ApiMetrics(IMeterFactory meters, MetricsExporter exporter, CommandAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("ledger.api.commands.received", "{command}", "Commands put on the command log");
        _accepted = meter.CreateCounter<long>("ledger.api.commands.accepted", "{command}", "Commands the writer accepted");
        _rejected = meter.CreateCounter<long>("ledger.api.commands.rejected", "{command}", "Commands the writer refused, by code");
        _replayed = meter.CreateCounter<long>("ledger.api.commands.replayed", "{command}", "Repeated idempotency keys answered with the first outcome");
        _undecided = meter.CreateCounter<long>("ledger.api.commands.undecided", "{command}", "Commands answered 202 because the decision deadline passed");
        _decisionMs = meter.CreateHistogram<double>("ledger.api.decision.duration", "ms", "Time from producing a command to knowing its decision");
        meter.CreateObservableUpDownCounter("ledger.api.commands.in_flight", () => (long)admission.InFlight, "{command}",
            "Commands produced and waiting for their decision");
        _refusals = meter.CreateCounter<long>("ledger.api.refusals", "{request}", "Requests refused for overload or unavailability, by status");
        _httpMs = meter.CreateHistogram<double>("ledger.http.server.request.duration", "ms", "HTTP request duration by route pattern and status");
        foreach (var status in RefusalStatuses) _refusals.Add(0, Tag("status", status));
    }

    public static readonly int[] RefusalStatuses = [StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable];

    public void Received(string type) => _received.Add(1, Tag("type", type));

    public void Decided(string type, string? rejectionCode, bool replayed, double ms)
    {
        _decisionMs.Record(ms, Tag("type", type));
        if (replayed) _replayed.Add(1, Tag("type", type));
        else if (rejectionCode is null) _accepted.Add(1, Tag("type", type));
        else _rejected.Add(1, Tag("type", type), Tag("code", rejectionCode));
    }

    public void Undecided(string type) => _undecided.Add(1, Tag("type", type));


    public void Answered(string method, string route, int status, double ms)
    {
        _httpMs.Record(ms, Tag("method", method), Tag("route", route), Tag("status", status));
        if (RefusalStatuses.Contains(status) && route.StartsWith("/v1/", StringComparison.Ordinal)) _refusals.Add(1, Tag("status", status));
    }

    private static KeyValuePair<string, object?> Tag(string name, object value) => new(name, value);
}
