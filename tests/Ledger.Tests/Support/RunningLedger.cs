using System.Net.Http.Headers;
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

    /// <summary>Signs tokens with this ledger's own key. <see cref="Http"/> reads as an admin;
    /// <see cref="Post(string, object, string?)"/> sends as whoever may send that command.</summary>
    public TestTokens Tokens { get; } = new();
    public TestPostgres Postgres { get; }
    public LedgerProcess? Api { get; private set; }
    public LedgerProcess? Projector { get; private set; }

    /// <summary>With a separate writer: an Api process that hosts the partition writers and takes no
    /// test traffic, so it can be killed while <see cref="Api"/> (an edge only) keeps answering. The
    /// newest started when there are several.</summary>
    public LedgerProcess? Writer { get; private set; }

    /// <summary>Every writer process started that was not killed through <see cref="KillWriter"/>:
    /// members of one writer group, which Kafka shares the partitions between.</summary>
    public IReadOnlyList<LedgerProcess> Writers
    {
        get { lock (_writers) return [.. _writers]; }
    }

    private readonly List<LedgerProcess> _writers = [];
    private readonly List<LedgerProcess> _ended = [];

    private IReadOnlyList<LedgerProcess> EndedWriters
    {
        get { lock (_writers) return [.. _ended]; }
    }
    private readonly CancellationTokenSource _stopSupervising = new();
    private Task _supervising = Task.CompletedTask;

    /// <summary>Writer processes that ended by themselves (not killed by the test) while supervised.</summary>
    public IReadOnlyList<WriterExit> WriterExits
    {
        get { lock (_writers) return [.. _writerExits]; }
    }

    private readonly List<WriterExit> _writerExits = [];

    /// <summary>A writer process that ended by itself: its exit code, and its log (the cause is in it).</summary>
    public sealed record WriterExit(int Code, string Output)
    {
        public override string ToString()
        {
            var lines = Output.Split('\n');
            return $"exit code {Code}: {lines.LastOrDefault(l => l.Contains("stopping the process", StringComparison.Ordinal)) ?? string.Join(" | ", lines.TakeLast(3))}";
        }
    }
    public HttpClient Http { get; private set; } = new();

    /// <param name="environment">Added to every process's environment (e.g. log levels).</param>
    /// <param name="postgres">The database to use (e.g. on a <see cref="PrivatePostgres"/>); a fresh one on the suite's server when null.</param>
    /// <param name="writers">With <paramref name="separateWriter"/>: how many writer processes (more than
    /// one: warm standbys in the same group, which take a killed writer's partitions without a process start).</param>
    public static async Task<RunningLedger> Start(int partitions = 12, int brokers = 3, bool separateWriter = false,
        IReadOnlyDictionary<string, string>? environment = null, TestPostgres? postgres = null, int writers = 1,
        bool cuttableWriters = false)
    {
        var ledger = new RunningLedger(new TestKafka(brokers, partitions), postgres ?? await TestPostgres.Create())
        {
            _extra = environment ?? new Dictionary<string, string>(),
            _cuttableWriters = cuttableWriters,
        };
        await ledger.StartProjector();
        if (separateWriter)
            for (var i = 0; i < writers; i++) await ledger.StartWriter();
        await ledger.StartApi(hostsWriters: !separateWriter);
        return ledger;
    }

    public async Task StartWriter()
    {
        var writer = await LedgerProcess.Start("Ledger.Api", Environment, network: _cuttableWriters ? NetworkCut.Prepare() : null);
        lock (_writers)
        {
            _writers.Add(writer);
            Writer = writer;
        }
    }

    /// <summary>kill -9 of one writer process; <see cref="Writer"/> becomes the newest one left.</summary>
    public void KillWriter(LedgerProcess writer)
    {
        lock (_writers)
        {
            _writers.Remove(writer);
            _ended.Add(writer);
            if (ReferenceEquals(Writer, writer)) Writer = _writers.LastOrDefault();
        }
        writer.Kill();
    }

    /// <summary>As a supervisor would (systemd's Restart=always, compose's restart policy): a writer
    /// process that ends by itself (a writer exits with 75 when librdkafka is stuck, with 70 to protect
    /// money) is replaced within about <see cref="SuperviseEvery"/>, until the ledger is disposed.</summary>
    public void SuperviseWriters()
    {
        _supervising = Task.Run(async () =>
        {
            while (!_stopSupervising.IsCancellationRequested)
            {
                foreach (var ended in Writers.Where(w => w.HasExited))
                {
                    lock (_writers)
                    {
                        if (!_writers.Remove(ended)) continue; // killed by the test meanwhile
                        _ended.Add(ended);
                        _writerExits.Add(new WriterExit(ended.ExitCode, ended.Output));
                    }
                    await StartWriter();
                }
                try { await Task.Delay(SuperviseEvery, _stopSupervising.Token); } // a supervisor's poll interval, not a synchronisation
                catch (OperationCanceledException) { }
            }
        });
    }

    public static readonly TimeSpan SuperviseEvery = TimeSpan.FromMilliseconds(500);

    private IReadOnlyDictionary<string, string> _extra = new Dictionary<string, string>();

    /// <summary>Whether each writer process starts in a cgroup of its own (<see cref="LedgerProcess.Network"/>).</summary>
    private bool _cuttableWriters;

    /// <summary>Defaults for tests that measure something else than the limits: many commands per user
    /// at once would otherwise meet the per-user rate limit. Overload tests set their own.</summary>
    private static readonly Dictionary<string, string> Limits = new()
    {
        ["RateLimits__UserCommandsPerSecond"] = "100000",
        ["RateLimits__UserCommandsBurst"] = "100000",
    };

    /// <summary>What every process of this ledger is started with; the test's own environment wins
    /// (e.g. an empty Auth__SigningKey where tokens come from an identity provider).</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>(Limits.Concat(Kafka.Environment))
            {
                ["Postgres__ConnectionString"] = Postgres.ConnectionString,
                ["Auth__SigningKey"] = Tokens.SigningKey,
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Ledger"] = "Information",
            };
            foreach (var (name, value) in _extra) environment[name] = value;
            return environment;
        }
    }

    public async Task StartProjector() => Projector = await LedgerProcess.Start("Ledger.Projector", Environment);

    public async Task StartApi(bool hostsWriters = true)
    {
        var environment = new Dictionary<string, string>(Environment) { ["Writer__Enabled"] = hostsWriters ? "true" : "false" };
        Api = await LedgerProcess.Start("Ledger.Api", environment);
        Http.Dispose();
        Http = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For("test-admin", "admin"));
    }

    /// <summary>Sends a command as the caller allowed to send it: the treasury for deposits, the engine
    /// for fills, otherwise the user the body names (userId, or fromUserId for a transfer).</summary>
    public Task<HttpResponseMessage> Post(string path, object body, string? idempotencyKey) =>
        Post(path, body, idempotencyKey, RightfulToken(path, body));

    public Task<HttpResponseMessage> Post(string path, object body, string? idempotencyKey, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request);
    }

    /// <summary>A token of <paramref name="role"/> for <paramref name="sub"/>, as an Authorization header value.</summary>
    public AuthenticationHeaderValue Bearer(string sub, string role) => new("Bearer", Tokens.For(sub, role));

    private string RightfulToken(string path, object body)
    {
        if (path.StartsWith("/v1/deposits", StringComparison.Ordinal)) return Tokens.For("treasury", "treasury");
        if (path.EndsWith("/fills", StringComparison.Ordinal)) return Tokens.For("engine", "engine");
        var json = JsonSerializer.SerializeToElement(body, JsonSerializerOptions.Web);
        var user = json.ValueKind == JsonValueKind.Object
            && (json.TryGetProperty("userId", out var id) || json.TryGetProperty("fromUserId", out id))
            && id.ValueKind == JsonValueKind.String ? id.GetString()! : "nobody";
        return Tokens.For(user, "user");
    }

    public async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The commands the Api's edge handed to the writer in its own process (ADR 0002): they
    /// are decided without ever being on ledger.commands.</summary>
    public async Task<long> CommandsHandedInProcess() =>
        System.Text.RegularExpressions.Regex.Matches(await Http.GetStringAsync("/metrics"),
                @"^ledger_api_commands_handed_total\{[^}]*\} (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>What the process logs said, for a failing test's message.</summary>
    public string Logs => $"--- api ---\n{Api?.Output}\n" +
        string.Concat(Writers.Select((w, i) => $"--- writer {i + 1} ---\n{w.Output}\n")) +
        string.Concat(EndedWriters.TakeLast(2).Select(w => $"--- writer ended (killed or exited) ---\n{w.Output}\n")) +
        $"--- projector ---\n{Projector?.Output}";

    public async ValueTask DisposeAsync()
    {
        await _stopSupervising.CancelAsync();
        try { await _supervising; } catch (Exception) { } // a replacement that failed to start: the trial has already said so
        Http.Dispose();
        if (Api is not null) await Api.DisposeAsync();
        foreach (var writer in _writers.Concat(_ended).Append(Writer).OfType<LedgerProcess>().Distinct()) await writer.DisposeAsync();
        if (Projector is not null) await Projector.DisposeAsync();
        Kafka.Dispose();
        await Postgres.DisposeAsync();
    }
}
