using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.Tests.Support;

/// <summary>A whole Ledger for one test: its own Kafka cluster and database, and real
/// Ledger.Projector and Ledger.Api processes that can be killed and started again.</summary>
public sealed class RunningLedger : IAsyncDisposable
{
    private RunningLedger(TestKafka kafka, TestPostgres postgres)
    {
        Kafka = kafka;
        Postgres = postgres;
    }

    public TestKafka Kafka { get; }
    public TestPostgres Postgres { get; }
    public LedgerProcess? Api { get; private set; }
    public LedgerProcess? Projector { get; private set; }

    /// <summary>With a separate writer: an Api process that hosts the partition writers and takes no
    /// test traffic, so it can be killed while <see cref="Api"/> (an edge only) keeps answering.</summary>
    public LedgerProcess? Writer { get; private set; }
    public HttpClient Http { get; private set; } = new();

    /// <param name="postgres">The database to use (e.g. on a <see cref="PrivatePostgres"/>); a fresh one on the suite's server when null.</param>
    public static async Task<RunningLedger> Start(int partitions = 12, int brokers = 3, bool separateWriter = false,
        TestPostgres? postgres = null)
    {
        var ledger = new RunningLedger(new TestKafka(brokers, partitions), postgres ?? await TestPostgres.Create());
        await ledger.StartProjector();
        if (separateWriter) await ledger.StartWriter();
        await ledger.StartApi(hostsWriters: !separateWriter);
        return ledger;
    }

    public async Task StartWriter() => Writer = await LedgerProcess.Start("Ledger.Api", Environment);

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka__Partitions"] = Kafka.Options.Partitions.ToString(),
        ["Postgres__ConnectionString"] = Postgres.ConnectionString,
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Ledger"] = "Information",
    };

    public async Task StartProjector() => Projector = await LedgerProcess.Start("Ledger.Projector", Environment);

    public async Task StartApi(bool hostsWriters = true)
    {
        var environment = new Dictionary<string, string>(Environment) { ["Writer__Enabled"] = hostsWriters ? "true" : "false" };
        Api = await LedgerProcess.Start("Ledger.Api", environment);
        Http.Dispose();
        Http = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<HttpResponseMessage> Post(string path, object body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Http.SendAsync(request);
    }

    public async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>What the process logs said, for a failing test's message.</summary>
    public string Logs => $"--- api ---\n{Api?.Output}\n--- writer ---\n{Writer?.Output}\n--- projector ---\n{Projector?.Output}";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Api is not null) await Api.DisposeAsync();
        if (Writer is not null) await Writer.DisposeAsync();
        if (Projector is not null) await Projector.DisposeAsync();
        Kafka.Dispose();
        await Postgres.DisposeAsync();
    }
}
