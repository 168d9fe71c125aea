using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Kafka;
using Ledger.Observability;
using Xunit;

namespace Ledger.Tests.Observability;

/// <summary>The W3C trace context on Kafka records, and when tracing is switched on.</summary>
public sealed class TraceContextTests
{
    [Fact]
    public void a_span_travels_as_traceparent_and_comes_back_as_its_remote_context()
    {
        using var span = new Activity("send").SetIdFormat(ActivityIdFormat.W3C).Start();
        span.TraceStateString = "vendor=1";

        var headers = new Headers().WithTraceContext(span);
        var context = headers.FindTraceContext();

        Assert.Equal(span.Id, headers.Find(LedgerHeaders.TraceParent));
        Assert.Equal(span.TraceId, context.TraceId);
        Assert.Equal(span.SpanId, context.SpanId);
        Assert.Equal("vendor=1", context.TraceState);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void no_span_writes_no_header_and_a_malformed_one_reads_as_none()
    {
        Assert.Empty(new Headers().WithTraceContext(null));
        Assert.Equal(default, new Headers().With(LedgerHeaders.TraceParent, "00-not-a-trace").FindTraceContext());
        Assert.Equal(default, ((Headers?)null).FindTraceContext());
    }

    [Fact]
    public void an_untraced_writer_carries_the_command_trace_context_on_unchanged()
    {
        var command = new Headers()
            .With(LedgerHeaders.TraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .With(LedgerHeaders.TraceState, "a=b");
        var @event = new Headers().WithTraceContextOf(command);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", @event.Find(LedgerHeaders.TraceParent));
        Assert.Equal("a=b", @event.Find(LedgerHeaders.TraceState));
        Assert.Empty(new Headers().WithTraceContextOf(new Headers()));
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("http://127.0.0.1:4317", null, null, true)]
    [InlineData(null, "http://127.0.0.1:4318/v1/traces", null, true)]
    [InlineData("http://127.0.0.1:4317", null, "true", false)]
    [InlineData("  ", null, "false", false)]
    public void tracing_is_on_only_with_an_otlp_endpoint(string? endpoint, string? tracesEndpoint, string? disabled, bool enabled)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
            ["OTEL_SDK_DISABLED"] = disabled,
        };
        Assert.Equal(enabled, LedgerTracing.Enabled(name => settings.GetValueOrDefault(name)));
    }
}
