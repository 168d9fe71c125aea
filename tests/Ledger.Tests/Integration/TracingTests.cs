using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Confluent.Kafka;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.Hosting;
using Ledger.Api.Observability;
using Ledger.Contracts;
using Ledger.Kafka;
using Ledger.Observability;
using Ledger.Projector.Hosting;
using Ledger.Projector.Schema;
using Ledger.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Trace;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>
/// One command, one trace: an Api hosted in this process (with its writers, on the local Kafka
/// protocol) and OpenTelemetry's in-memory exporter in place of OTLP. The HTTP request's span, the
/// span that sends the command, and the writer's span that decides it share one trace id, each a
/// child of the one before; the writer's batch span links to the command; the event on
/// ledger.events carries the decision's span as its traceparent, and the projector's batch span
/// links to it.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task one_command_is_one_trace_from_the_http_request_through_the_writer_to_its_event_and_the_projector_links_to_it()
    {
        using var kafka = new TestKafka(brokers: 1, partitions: 4);
        await using var postgres = await TestPostgres.Create();
        var tokens = new TestTokens();
        var spans = new SpanList();
        await using var projector = await StartProjector(kafka, postgres);
        await using var app = BuildApi(kafka, postgres, tokens, spans);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        var correlationId = "trace-" + Guid.NewGuid().ToString("N");
        HttpStatusCode status = 0;
        await Eventually.Until(async () =>
        {
            // The writers recover their partitions first; until then the command waits or is refused.
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits")
            {
                Content = JsonContent.Create(new { userId = "traced-user", asset = "USD", amount = "1.00" }),
            };
            request.Headers.Add("Idempotency-Key", "traced-1");
            request.Headers.Add(HttpObservability.CorrelationHeader, correlationId);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.For("treasury", "treasury"));
            using var response = await http.SendAsync(request);
            status = response.StatusCode;
            return status == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(60), $"the deposit is decided (last answer {status})");

        Activity? server = null, send = null, decide = null, batch = null;
        await Eventually.Until(() =>
        {
            var all = spans.ToList();
            server = all.FirstOrDefault(s => s.Kind == ActivityKind.Server && Tag(s, LedgerTracing.CorrelationIdTag) == correlationId);
            send = all.FirstOrDefault(s => s.Source.Name == LedgerTracing.Api.Name && Tag(s, LedgerTracing.CorrelationIdTag) == correlationId);
            decide = all.FirstOrDefault(s => s.Source.Name == LedgerTracing.Writer.Name && s.DisplayName == "decide Deposit"
                && Tag(s, LedgerTracing.CorrelationIdTag) == correlationId);
            batch = all.FirstOrDefault(s => s.Source.Name == LedgerTracing.Writer.Name && s.DisplayName == "process ledger.commands"
                && send is not null && s.Links.Any(l => l.Context.SpanId == send.SpanId));
            return Task.FromResult(server is not null && send is not null && decide is not null && batch is not null);
        }, TimeSpan.FromSeconds(15), $"the request, send, decide and batch spans are exported:\n{string.Join("\n", spans.ToList().Select(Describe))}");

        var (request, sent, decided, transaction) = (server!, send!, decide!, batch!);
        Assert.Equal("/v1/deposits", Tag(request, "http.route"));
        Assert.Equal(ActivityKind.Producer, sent.Kind);
        Assert.Equal(request.TraceId, sent.TraceId);
        Assert.Equal(request.SpanId, sent.ParentSpanId);
        Assert.Equal(sent.TraceId, decided.TraceId);
        Assert.Equal(sent.SpanId, decided.ParentSpanId);
        Assert.Equal("Deposited", Tag(decided, "ledger.decision"));
        Assert.Equal("Deposited", Tag(sent, "ledger.decision"));
        Assert.NotEqual(sent.TraceId, transaction.TraceId); // a batch is its own trace, linked to its commands
        Assert.Contains(decided.Links, l => l.Context.SpanId == transaction.SpanId);
        Assert.Equal(correlationId, transaction.Links.Single(l => l.Context.SpanId == sent.SpanId).Tags!
            .Single(t => t.Key == LedgerTracing.CorrelationIdTag).Value);

        var traceParent = EventTraceParent(kafka, UserPartitioner.PartitionOf("traced-user", 4), correlationId);
        Assert.Equal(decided.Id, traceParent);
        Assert.StartsWith($"00-{decided.TraceId}-{decided.SpanId}-", traceParent);

        // The projector's batch that wrote the event links to the decision, with its correlation id.
        Activity? projected = null;
        await Eventually.Until(() =>
        {
            projected = spans.ToList().FirstOrDefault(s => s.Source.Name == LedgerTracing.Projector.Name
                && s.Links.Any(l => l.Context.SpanId == decided.SpanId));
            return Task.FromResult(projected is not null);
        }, TimeSpan.FromSeconds(60), $"the projector's batch span is exported:\n{string.Join("\n", spans.ToList().Select(Describe))}");
        Assert.Equal("process ledger.events", projected!.DisplayName);
        Assert.Equal(ActivityKind.Consumer, projected.Kind);
        Assert.Contains(correlationId, (string[])projected.GetTagItem(LedgerTracing.CorrelationIdsTag)!);
        Assert.Equal(correlationId, projected.Links.Single(l => l.Context.SpanId == decided.SpanId).Tags!
            .Single(t => t.Key == LedgerTracing.CorrelationIdTag).Value);
    }

    /// <summary>The projector in this process too (its spans reach the Api host's tracer: one
    /// provider listens to every source of the process), with its schema applied as Program.cs does.</summary>
    private static async Task<WebApplication> StartProjector(TestKafka kafka, TestPostgres postgres)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:Partitions"] = "4",
            ["Postgres:ConnectionString"] = postgres.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddLedgerProjector();
        var app = builder.Build();
        await SchemaMigrator.ApplyWhenReachable(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Logger, CancellationToken.None);
        await app.StartAsync();
        return app;
    }

    private static WebApplication BuildApi(TestKafka kafka, TestPostgres postgres, TestTokens tokens, SpanList spans)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:Partitions"] = "4",
            ["Postgres:ConnectionString"] = postgres.ConnectionString,
            ["Auth:SigningKey"] = tokens.SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddLedgerApi();
        // What OTLP would export, kept in memory instead: the Api's own sources and ASP.NET Core's.
        builder.Services.AddOpenTelemetry().WithTracing(tracing =>
            tracing.AddSource(LedgerTracing.SourceNames).AddAspNetCoreInstrumentation().AddInMemoryExporter(spans));
        var app = builder.Build();
        // As Program.cs builds the pipeline.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpObservability();
        app.UseRequestHeadersLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseCommandRateLimits();
        app.MapLedgerEndpoints();
        return app;
    }

    /// <summary>The traceparent header of the event on ledger.events that carries the correlation id.</summary>
    private static string? EventTraceParent(TestKafka kafka, int partition, string correlationId)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(kafka.BootstrapServers, "tracing-test")).Build();
        consumer.Assign(new TopicPartitionOffset(kafka.Options.EventsTopic, partition, Offset.Beginning));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record?.Message?.Headers.Find(LedgerHeaders.CorrelationId) == correlationId)
                return record.Message.Headers.Find(LedgerHeaders.TraceParent);
        }
        throw new Xunit.Sdk.XunitException($"no event with correlation id {correlationId} on partition {partition}");
    }

    private static string? Tag(Activity span, string name) => span.GetTagItem(name)?.ToString();

    private static string Describe(Activity s) =>
        $"{s.Source.Name} {s.DisplayName} {s.Kind} trace={s.TraceId} span={s.SpanId} parent={s.ParentSpanId} correlation={Tag(s, LedgerTracing.CorrelationIdTag)}";

    /// <summary>The exporter adds from the threads that end spans while the test reads: a list under a lock.</summary>
    private sealed class SpanList : ICollection<Activity>
    {
        private readonly List<Activity> _spans = [];
        public int Count { get { lock (_spans) return _spans.Count; } }
        public bool IsReadOnly => false;
        public void Add(Activity item) { lock (_spans) _spans.Add(item); }
        public void Clear() { lock (_spans) _spans.Clear(); }
        public bool Contains(Activity item) { lock (_spans) return _spans.Contains(item); }
        public void CopyTo(Activity[] array, int arrayIndex) { lock (_spans) _spans.CopyTo(array, arrayIndex); }
        public bool Remove(Activity item) { lock (_spans) return _spans.Remove(item); }
        public List<Activity> ToList() { lock (_spans) return [.. _spans]; }
        public IEnumerator<Activity> GetEnumerator() => ToList().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
