using System.Diagnostics.Metrics;
using Ledger.Observability;
using Xunit;

namespace Ledger.Tests.Observability;

public sealed class PrometheusTextTests
{
    [Fact]
    public void counters_gauges_and_histograms_render_in_the_text_format()
    {
        using var meter = new Meter("Ledger.Tests.Render." + Guid.NewGuid());
        using var exporter = new MetricsExporter([meter.Name]);
        var received = meter.CreateCounter<long>("ledger.api.commands.received", "{command}", "Commands put on the command log");
        var inFlight = meter.CreateUpDownCounter<long>("ledger.api.commands.in_flight", "{command}", "Commands waiting");
        var lag = new Dictionary<int, long> { [0] = 3, [1] = 0 };
        meter.CreateObservableGauge("ledger.writer.consumer.lag",
            () => lag.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("partition", p.Key))),
            "{message}", "Lag per partition");
        var decide = meter.CreateHistogram<double>("ledger.writer.decide.duration", "ms", "Time \"inside\" the writer",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10] });

        received.Add(2, new KeyValuePair<string, object?>("type", "Deposit"));
        received.Add(1, new KeyValuePair<string, object?>("type", "Deposit"));
        received.Add(1, new KeyValuePair<string, object?>("type", "With\"draw\\"));
        inFlight.Add(3);
        inFlight.Add(-1);
        decide.Record(0.5, new KeyValuePair<string, object?>("partition", 2));
        decide.Record(10, new KeyValuePair<string, object?>("partition", 2));
        decide.Record(12.25, new KeyValuePair<string, object?>("partition", 2));

        Assert.Equal("""
            # HELP ledger_api_commands_in_flight Commands waiting
            # TYPE ledger_api_commands_in_flight gauge
            ledger_api_commands_in_flight 2
            # HELP ledger_api_commands_received_total Commands put on the command log
            # TYPE ledger_api_commands_received_total counter
            ledger_api_commands_received_total{type="Deposit"} 3
            ledger_api_commands_received_total{type="With\"draw\\"} 1
            # HELP ledger_writer_consumer_lag Lag per partition
            # TYPE ledger_writer_consumer_lag gauge
            ledger_writer_consumer_lag{partition="0"} 3
            ledger_writer_consumer_lag{partition="1"} 0
            # HELP ledger_writer_decide_duration_ms Time "inside" the writer
            # TYPE ledger_writer_decide_duration_ms histogram
            ledger_writer_decide_duration_ms_bucket{partition="2",le="1"} 1
            ledger_writer_decide_duration_ms_bucket{partition="2",le="10"} 2
            ledger_writer_decide_duration_ms_bucket{partition="2",le="+Inf"} 3
            ledger_writer_decide_duration_ms_sum{partition="2"} 22.75
            ledger_writer_decide_duration_ms_count{partition="2"} 3

            """, exporter.RenderText());
    }

    [Fact]
    public void an_observed_gauge_forgets_partitions_no_longer_reported()
    {
        using var meter = new Meter("Ledger.Tests.Forget." + Guid.NewGuid());
        using var exporter = new MetricsExporter([meter.Name]);
        var lag = new Dictionary<int, long> { [0] = 5, [1] = 7 };
        meter.CreateObservableGauge("lag",
            () => lag.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("partition", p.Key))));

        Assert.Equal(2, exporter.Collect().Single().Points.Count);
        lag.Remove(1);
        Assert.Equal("0", exporter.Collect().Single().Points.Single().Label("partition"));
    }

    [Fact]
    public void meters_not_named_are_not_exported()
    {
        using var meter = new Meter("Ledger.Tests.Other." + Guid.NewGuid());
        using var exporter = new MetricsExporter(["Ledger.Tests.Nothing"]);
        meter.CreateCounter<long>("ignored").Add(1);
        Assert.Equal("", exporter.RenderText());
    }

    [Theory]
    [InlineData("ledger.projector.lag", "s", MetricKind.Histogram, "ledger_projector_lag_seconds")]
    [InlineData("ledger.writer.commands", "{command}", MetricKind.Counter, "ledger_writer_commands_total")]
    [InlineData("ledger.http.server.request.duration", "ms", MetricKind.Histogram, "ledger_http_server_request_duration_ms")]
    public void names_follow_prometheus_conventions(string instrument, string unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(instrument, unit, kind));
}

public sealed class DashboardQuantileTests
{
    [Fact]
    public void p99_interpolates_inside_its_bucket() =>
        Assert.Equal(19.8, Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [50, 50, 0], 0.99)!.Value, precision: 6);

    [Fact]
    public void p99_of_the_overflow_bucket_is_the_highest_bound() =>
        Assert.Equal(20, Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [0, 0, 3], 0.99));

    [Fact]
    public void no_observations_have_no_p99() =>
        Assert.Null(Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [0, 0, 0], 0.99));
}
