using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Ledger.Domain.Transfers;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Tests.Contracts;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>
/// ledger.events as a downstream consumer sees it from a real running ledger: after commands of
/// every kind (accepted and refused, and a transfer across partitions), every record validates
/// against its schema and carries the documented key and headers; and `ledger tail --from` prints
/// exactly the events recorded since that time.
/// </summary>
public sealed partial class EventStreamTests(EventStreamTests.CommandsOfEveryKind commands, ITestOutputHelper output)
    : IClassFixture<EventStreamTests.CommandsOfEveryKind>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task every_event_a_running_ledger_publishes_validates_against_its_schema_with_key_and_headers()
    {
        var records = ReadEvents(commands.Ledger.Kafka.BootstrapServers, commands.Expected.Count);
        var seenTypes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var json = Encoding.UTF8.GetString(record.Message.Value);
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString()!;
            var userId = root.GetProperty("userId").GetString()!;
            var key = root.GetProperty("idempotencyKey").GetString()!;
            var errors = await EventSchemas.Errors(type, json);
            Assert.True(errors.Count == 0, $"{type} does not match its schema: {string.Join("; ", errors)}\n{json}");

            var headers = record.Message.Headers;
            Assert.Equal(type, headers.Find(LedgerHeaders.EventType));
            Assert.Equal(EventMessage.SchemaVersion.ToString(CultureInfo.InvariantCulture), headers.Find(LedgerHeaders.SchemaVersion));
            Assert.Equal(root.GetProperty("schemaVersion").GetInt32().ToString(CultureInfo.InvariantCulture), headers.Find(LedgerHeaders.SchemaVersion));
            Assert.Equal(key, headers.Find(LedgerHeaders.IdempotencyKey));
            Assert.Equal(userId, record.Message.Key);
            Assert.Equal(UserPartitioner.PartitionOf(userId, commands.Partitions), record.Partition.Value);
            Assert.True(commands.Expected.TryGetValue((userId, key), out var expected), $"unexpected event {userId}/{key}");
            Assert.Equal(expected.CorrelationId, headers.Find(LedgerHeaders.CorrelationId));
            Assert.Equal(expected.Type, type);
            seenTypes.Add(type);
        }
        output.WriteLine($"{records.Count} events: {string.Join(", ", seenTypes)}");
        Assert.Equal(commands.Expected.Count, records.Count);
    }

    /// <summary>Every event of the ledger from the beginning of each partition, as a new consumer
    /// with read_committed sees them, until the expected number has arrived.</summary>
    private static List<ConsumeResult<string, byte[]>> ReadEvents(string bootstrap, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClients.Consumer(bootstrap, "contract-test")).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var topic = new KafkaOptions().EventsTopic;
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var clock = Stopwatch.StartNew();
        while (records.Count < expected && clock.Elapsed < Deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record) records.Add(record);
        }
        Assert.True(records.Count >= expected, $"within {Deadline.TotalSeconds} s: {records.Count} of {expected} events arrived");
        return records;
    }

    [Fact]
    public async Task ledger_tail_from_a_time_prints_every_event_recorded_since_then_and_none_before()
    {
        var from = commands.Between.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        using var tail = TailProcess.Start("--bootstrap", commands.Ledger.Kafka.BootstrapServers, "--from", from);
        var later = commands.Expected.Where(e => e.Value.Later).Select(e => e.Key).ToHashSet();
        var printed = new Dictionary<(string UserId, string Key), string>();
        await Eventually.Until(() =>
        {
            while (tail.Lines.TryDequeue(out var line))
            {
                var match = TailLine().Match(line);
                Assert.True(match.Success, $"not a tail line: {line}");
                using var json = JsonDocument.Parse(match.Groups["json"].Value);
                var userId = json.RootElement.GetProperty("userId").GetString()!;
                Assert.Equal(userId, match.Groups["user"].Value);
                Assert.Equal(json.RootElement.GetProperty("type").GetString(), match.Groups["type"].Value);
                printed[(userId, json.RootElement.GetProperty("idempotencyKey").GetString()!)] = line;
            }
            return Task.FromResult(later.IsSubsetOf(printed.Keys) || tail.HasExited);
        }, Deadline, $"ledger tail --from {from} prints the {later.Count} later events\n{tail.Output}");

        // Each partition is read in order, so an earlier event would have come before the later ones.
        Assert.True(later.SetEquals(printed.Keys), $"printed {printed.Count}, expected the {later.Count} later events\n{tail.Output}");
        Assert.Equal(0, tail.Terminate());
        output.WriteLine(tail.Output);
    }

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (?<partition>\d+)@(?<offset>\d+) (?<type>\w+) (?<user>\S+) (?<json>\{.*\})$")]
    private static partial Regex TailLine();

    /// <summary>
    /// One running ledger, and commands of every kind sent to it over HTTP in two rounds: the first
    /// round (deposits) before <see cref="Between"/>, the second after it. Each request has its own
    /// X-Correlation-Id, which its events (and a transfer's credit) must carry.
    /// </summary>
    public sealed class CommandsOfEveryKind : IAsyncLifetime
    {
        public int Partitions => 4;
        public RunningLedger Ledger { get; private set; } = null!;
        public DateTimeOffset Between { get; private set; }

        /// <summary>(user, idempotency key) of every event expected, its type, correlation id, and round.</summary>
        public Dictionary<(string UserId, string Key), (string Type, string CorrelationId, bool Later)> Expected { get; } = [];

        public async Task InitializeAsync()
        {
            Ledger = await RunningLedger.Start(partitions: Partitions, brokers: 1);
            var (ann, bob) = ("ann", UserOnAnotherPartition("ann"));
            await Send("/v1/deposits", "d-ann", new { userId = ann, asset = "USD", amount = "1000.00" }, "Deposited");
            await Send("/v1/deposits", "d-bob", new { userId = bob, asset = "USD", amount = "5.00" }, "Deposited");

            // Kafka record times are milliseconds: the second round starts strictly after this one.
            Between = DateTimeOffset.UtcNow.AddMilliseconds(1);
            await Eventually.Until(() => Task.FromResult(DateTimeOffset.UtcNow > Between.AddMilliseconds(1)), TimeSpan.FromSeconds(1), "the clock moves on");

            await Send("/v1/deposits", "d-bob-2", new { userId = bob, asset = "USD", amount = "1.00" }, "Deposited", later: true);
            await Send("/v1/withdrawals", "w-ann", new { userId = ann, asset = "USD", amount = "10.00" }, "Withdrawn", later: true);
            await Send("/v1/withdrawals", "w-bob", new { userId = bob, asset = "USD", amount = "5000.00" }, "WithdrawalRejected", later: true);
            await Send("/v1/orders", "o-ann", new { orderId = "ord-1", userId = ann, market = "BTC-USD", side = "buy", price = "20000.00", quantity = "0.01000000" },
                "OrderPlaced", later: true);
            await Send("/v1/orders", "o-ann-big", new { orderId = "ord-2", userId = ann, market = "BTC-USD", side = "buy", price = "20000.00", quantity = "1.00000000" },
                "OrderRejected", later: true);
            await Send("/v1/orders/ord-1/fills", "f-1", new { userId = ann, fillId = "f-1", market = "BTC-USD", side = "buy", quantity = "0.00500000", price = "20000.00", fee = "0.00001000" },
                "OrderFilled", later: true);
            await Send("/v1/orders/ord-1/fills", "f-2", new { userId = ann, fillId = "f-2", market = "BTC-USD", side = "buy", quantity = "1.00000000", price = "20000.00", fee = "0.00000000" },
                "FillRejected", later: true);
            await Send("/v1/orders/ord-1/cancel", "c-1", new { userId = ann }, "OrderCancelled", later: true);
            await Send("/v1/orders/ord-none/cancel", "c-2", new { userId = ann }, "CancelRejected", later: true);
            await Send("/v1/transfers", "t-1", new { transferId = "tr-1", fromUserId = ann, toUserId = bob, asset = "USD", amount = "50.00" },
                "TransferDebited", later: true);
            Expected[(bob, TransferSaga.IdempotencyKeyOf(ann, "tr-1", TransferSaga.CreditStep))] =
                ("TransferCredited", "corr-t-1", true); // the credit carries the transfer request's correlation id
            await Send("/v1/transfers", "t-2", new { transferId = "tr-2", fromUserId = ann, toUserId = ann, asset = "USD", amount = "1.00" },
                "TransferRejected", later: true);
        }

        private string UserOnAnotherPartition(string userId)
        {
            var partition = UserPartitioner.PartitionOf(userId, Partitions);
            return Enumerable.Range(0, 100).Select(i => $"bob-{i}").First(u => UserPartitioner.PartitionOf(u, Partitions) != partition);
        }

        private async Task Send(string path, string key, object body, string eventType, bool later = false)
        {
            var userId = (string)(body.GetType().GetProperty("userId") ?? body.GetType().GetProperty("fromUserId"))!.GetValue(body)!;
            var correlationId = $"corr-{key}";
            Ledger.Http.DefaultRequestHeaders.Remove("X-Correlation-Id");
            Ledger.Http.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);
            using var response = await Ledger.Post(path, body, key);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity,
                $"{path} {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{Ledger.Logs}");
            Expected[(userId, key)] = (eventType, correlationId, later);
        }

        public async Task DisposeAsync() => await Ledger.DisposeAsync();
    }

    /// <summary>The example consumer (examples/Ledger.Tail) as a real process, its output collected line by line.</summary>
    private sealed class TailProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _all = new();

        private TailProcess(Process process) => _process = process;

        public ConcurrentQueue<string> Lines { get; } = new();
        public bool HasExited => _process.HasExited;
        public string Output => string.Join('\n', _all);

        public static TailProcess Start(params string[] arguments)
        {
            var dll = Path.Combine(Repository.Root, "examples", "Ledger.Tail", "bin", Repository.Configuration, "net10.0", "Ledger.Tail.dll");
            var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var tail = new TailProcess(new Process { StartInfo = start });
            tail._process.OutputDataReceived += (_, line) => { if (line.Data is { } text) { tail.Lines.Enqueue(text); tail._all.Enqueue(text); } };
            tail._process.ErrorDataReceived += (_, line) => { if (line.Data is { } text) tail._all.Enqueue("stderr: " + text); };
            tail._process.Start();
            tail._process.BeginOutputReadLine();
            tail._process.BeginErrorReadLine();
            return tail;
        }

        /// <summary>SIGTERM, as Ctrl-C or a supervisor stops it; its exit code.</summary>
        public int Terminate()
        {
            if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(20))) throw new TimeoutException($"ledger tail did not stop on SIGTERM\n{Output}");
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SendSignal(int pid, int signal);
    }
}
