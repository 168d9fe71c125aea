using System.Diagnostics;
using System.Net.Http.Headers;

namespace Ledger.LoadGenerator.Load;

/// <summary>
/// Sends the mix over HTTP. Closed loop: a fixed number of callers, each sending its next command as
/// soon as the previous one is answered (as fast as it goes). Open loop: commands are due at a fixed
/// rate whatever the answers do, and each one's latency runs from when it was due, not from when it
/// was sent, so a server that stalls is charged for the wait it causes (no coordinated omission).
/// Only answers completed inside the measured window (after the warm-up) count.
/// </summary>
public sealed class LoadRun(HttpClient http, CommandMix mix, ZipfSampler users, int seed)
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
    private long _sequence;

    public static HttpClient Client(Uri baseAddress, int connectionsMax) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connectionsMax,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
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
            var random = new Random(HashCode.Combine(seed, worker));
            while (clock.Elapsed < windowEnd)
            {
                var planned = mix.Next(random, users.Next(random));
                var sent = clock.Elapsed;
                var (answer, error) = await Send(planned);
                var done = clock.Elapsed;
                if (done >= windowStart && done <= windowEnd) tally.Record(planned.Kind, answer, (done - sent).TotalMilliseconds, error);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return tally.Summarize(measured.TotalSeconds);
    }

    public async Task<ScenarioCounts> Open(double ratePerSecond, int inFlightMax, TimeSpan warmup, TimeSpan measured)
    {
        if (ratePerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(ratePerSecond));
        var tally = new Tally();
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var windowStart = warmup;
        var windowEnd = warmup + measured;
        var inFlight = 0;
        var pending = new List<Task>();
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
                var planned = mix.Next(random, users.Next(random));
                Interlocked.Increment(ref inFlight);
                pending.Add(SendDue(planned, dueAt));
            }
            pending.RemoveAll(task => task.IsCompleted);
            await Task.Delay(1);
        }
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
        using var request = new HttpRequestMessage(HttpMethod.Post, planned.Path)
        {
            Content = new ByteArrayContent(planned.Body) { Headers = { ContentType = JsonType } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", planned.Token);
        request.Headers.Add("Idempotency-Key", $"{_runId}-{Interlocked.Increment(ref _sequence)}");
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var status = (int)response.StatusCode;
            var answer = Tally.Classify(status);
            if (answer == AnswerClass.Accepted) mix.Accepted(planned);
            if (answer != AnswerClass.Error) return (answer, null);
            var body = await response.Content.ReadAsStringAsync();
            return (answer, $"{planned.Path} -> {status}: {body[..Math.Min(body.Length, 300)]}");
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
        {
            return (AnswerClass.Error, $"{planned.Path}: {error.GetType().Name}: {error.Message}");
        }
    }
}
