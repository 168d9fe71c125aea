using System.Buffers;
using System.Diagnostics;

namespace Ledger.LoadGenerator.Load;

/// <summary>
/// Sends the mix over HTTP. Closed loop: a fixed number of callers, each sending its next command as
/// soon as the previous one is answered (as fast as it goes). Open loop: commands are due at a fixed
/// rate whatever the answers do, and each one's latency runs from when it was due, not from when it
/// was sent, so a server that stalls is charged for the wait it causes (no coordinated omission).
/// Only answers completed inside the measured window (after the warm-up) count.
/// The generator shares the cores with what it measures, so a request costs it as little as it can:
/// bodies and headers made by <see cref="CommandMix"/>, header values added without parsing, the
/// fixed routes' URIs made once, the answer read as its status, the body drained into a pooled buffer.
/// </summary>
public sealed class LoadRun
{
    /// <summary>A drained body goes through a buffer of this size (the answers are a few hundred bytes).</summary>
    public const int DrainBufferBytes = 4096;

    /// <summary>The open loop sends what has fallen due every this often.</summary>
    public static readonly TimeSpan OpenLoopRoundInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>Of an unexpected answer's body, at most this many characters go into the report.</summary>
    public const int ErrorTextMax = 300;

    private readonly HttpClient _http;
    private readonly CommandMix _mix;
    private readonly ZipfSampler _users;
    private readonly int _seed;
    private readonly Dictionary<string, Uri> _fixedRoutes; // read-only once made: safe to share between callers
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
    private long _sequence;

    public LoadRun(HttpClient http, CommandMix mix, ZipfSampler users, int seed)
    {
        _http = http;
        _mix = mix;
        _users = users;
        _seed = seed;
        var baseAddress = http.BaseAddress ?? throw new ArgumentException("the client needs a base address", nameof(http));
        _fixedRoutes = new[] { CommandMix.DepositsPath, CommandMix.WithdrawalsPath, CommandMix.OrdersPath, CommandMix.TransfersPath }
            .ToDictionary(path => path, path => new Uri(baseAddress, path));
    }

    /// <summary>One client for many connections to one server: no redirects, cookies, proxy,
    /// decompression or distributed-tracing headers, which the benchmark's routes never need.</summary>
    public static HttpClient Client(Uri baseAddress, int connectionsMax) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connectionsMax,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ActivityHeadersPropagator = null,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async Task<ScenarioCounts> Closed(int callers, TimeSpan warmup, TimeSpan measured)
    {
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        var windowStart = warmup;
        var windowEnd = warmup + measured;
        var workers = Enumerable.Range(0, callers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(_seed, worker));
            while (clock.Elapsed < windowEnd)
            {
                var planned = _mix.Next(random, _users.Next(random));
                var sent = clock.Elapsed;
                var (answer, error) = await Send(planned);
                var done = clock.Elapsed;
                if (done >= windowStart && done <= windowEnd) tally.Record(planned.Kind, answer, (done - sent).TotalMilliseconds, error);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return tally.Summarize(measured.TotalSeconds);
    }

    /// <summary>
    /// The HTTP floor: closed loop, each caller sending GET <paramref name="path"/> (an endpoint that does
    /// no work of its own) as soon as the previous one is answered. Nothing that passes through the same
    /// server, client and cores (a command least of all) can be answered faster than this.
    /// </summary>
    public async Task<ScenarioCounts> ClosedFloor(int callers, TimeSpan warmup, TimeSpan measured, string path)
    {
        var tally = new Tally();
        var route = new Uri(_http.BaseAddress!, path);
        var clock = Stopwatch.StartNew();
        var windowEnd = warmup + measured;
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < windowEnd)
            {
                var sent = clock.Elapsed;
                AnswerClass answer;
                string? error = null;
                try
                {
                    using var response = await _http.GetAsync(route, HttpCompletionOption.ResponseHeadersRead);
                    answer = Tally.Classify((int)response.StatusCode);
                    if (answer == AnswerClass.Error) error = $"GET {path} -> {(int)response.StatusCode}";
                    await Drain(response.Content);
                }
                catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or IOException)
                {
                    (answer, error) = (AnswerClass.Error, $"GET {path}: {failure.GetType().Name}: {failure.Message}");
                }
                var done = clock.Elapsed;
                if (done >= warmup && done <= windowEnd) tally.Record(CommandKind.Deposit, answer, (done - sent).TotalMilliseconds, error);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return tally.Summarize(measured.TotalSeconds);
    }

    public async Task<ScenarioCounts> Open(double ratePerSecond, int inFlightMax, TimeSpan warmup, TimeSpan measured)
    {
        if (ratePerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(ratePerSecond));
        var tally = new Tally();
        var random = new Random(_seed);
        var clock = Stopwatch.StartNew();
        var windowStart = warmup;
        var windowEnd = warmup + measured;
        var inFlight = 0;
        var pending = new List<Task>();
        // The commands due are sent from one thread of its own that sleeps a millisecond between rounds:
        // cheaper than a timer and a thread pool hop per round, a thousand times a second.
        await Task.Factory.StartNew(() =>
        {
            long issued = 0;
            while (clock.Elapsed < windowEnd)
            {
                var due = (long)(clock.Elapsed.TotalSeconds * ratePerSecond);
                for (; issued < due; issued++)
                {
                    var dueAt = TimeSpan.FromSeconds(issued / ratePerSecond);
                    if (Volatile.Read(ref inFlight) >= inFlightMax)
                    {
                        if (dueAt >= windowStart) tally.Missed();
                        continue;
                    }
                    var planned = _mix.Next(random, _users.Next(random));
                    Interlocked.Increment(ref inFlight);
                    pending.Add(SendDue(planned, dueAt));
                }
                pending.RemoveAll(task => task.IsCompleted);
                Thread.Sleep(OpenLoopRoundInterval);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.WhenAll(pending);
        return tally.Summarize(measured.TotalSeconds);

        async Task SendDue(PlannedRequest planned, TimeSpan dueAt)
        {
            try
            {
                var (answer, error) = await Send(planned);
                var done = clock.Elapsed;
                if (dueAt >= windowStart && done <= windowEnd) tally.Record(planned.Kind, answer, (done - dueAt).TotalMilliseconds, error);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    private async Task<(AnswerClass, string?)> Send(PlannedRequest planned)
    {
        var route = _fixedRoutes.TryGetValue(planned.Path, out var fixedRoute) ? fixedRoute : new Uri(_http.BaseAddress!, planned.Path);
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new ByteArrayContent(planned.Body) };
        // Without validation: this program made the values, and parsing them again costs more than adding them.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Authorization", planned.Authorization);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"{_runId}-{Interlocked.Increment(ref _sequence)}");
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var status = (int)response.StatusCode;
            var answer = Tally.Classify(status);
            if (answer == AnswerClass.Error)
            {
                var body = await response.Content.ReadAsStringAsync();
                return (answer, $"{planned.Path} -> {status}: {body[..Math.Min(body.Length, ErrorTextMax)]}");
            }
            await Drain(response.Content);
            if (answer == AnswerClass.Accepted) _mix.Accepted(planned);
            return (answer, null);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
        {
            return (AnswerClass.Error, $"{planned.Path}: {error.GetType().Name}: {error.Message}");
        }
    }

    /// <summary>Reads a body to its end: the answer is in the status, but the connection is free for the
    /// next request only once its response has been read, and the latency includes reading it.</summary>
    private static async Task Drain(HttpContent content)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferBytes);
        try
        {
            await using var stream = await content.ReadAsStreamAsync();
            while (await stream.ReadAsync(buffer) > 0) { }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
