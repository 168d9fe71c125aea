using System.Security.Claims;
using Ledger.Api.Access;

namespace Ledger.Api.Commands;

/// <summary>Per-caller rate limits on commands ("RateLimits" section): a token bucket per token
/// subject, refilled every second. Users get a small bucket; the treasury and the engine, which act
/// for many accounts, a large one. Nothing waits in a queue: past the bucket the answer is 429 at once.</summary>
public sealed class CommandRateLimits
{
    public const string Section = "RateLimits";

    public int UserCommandsPerSecond { get; set; } = 20;
    public int UserCommandsBurst { get; set; } = 40;
    public int ServiceCommandsPerSecond { get; set; } = 20_000;
    public int ServiceCommandsBurst { get; set; } = 40_000;

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (UserCommandsPerSecond is < 1 or > 1_000_000) errors.Add("RateLimits:UserCommandsPerSecond must be between 1 and 1,000,000");
        if (UserCommandsBurst < UserCommandsPerSecond || UserCommandsBurst > 10_000_000)
            errors.Add("RateLimits:UserCommandsBurst must be at least UserCommandsPerSecond and at most 10,000,000");
        if (ServiceCommandsPerSecond is < 1 or > 1_000_000) errors.Add("RateLimits:ServiceCommandsPerSecond must be between 1 and 1,000,000");
        if (ServiceCommandsBurst < ServiceCommandsPerSecond || ServiceCommandsBurst > 10_000_000)
            errors.Add("RateLimits:ServiceCommandsBurst must be at least ServiceCommandsPerSecond and at most 10,000,000");
        return errors;
    }

    /// <summary>Callers whose buckets are kept at most; past it, buckets that are full again (their
    /// callers idle) are dropped, at most once per <see cref="SweepInterval"/>.</summary>
    public int CallersTrackedMax { get; set; } = CallersTrackedMaxDefault;
    public const int CallersTrackedMaxDefault = 100_000;
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    public void AddTo(IServiceCollection services) => services.AddSingleton(new CallerBuckets(this, TimeProvider.System));

    /// <summary>The bucket limits of a caller: treasury and engine act for many accounts.</summary>
    public (int PerSecond, int Burst, string Key) LimitsOf(ClaimsPrincipal caller)
    {
        var service = caller.IsInRole(Roles.Treasury) || caller.IsInRole(Roles.Engine);
        var key = $"{(service ? "service" : "user")}:{caller.FindFirstValue(AccountAccess.SubjectClaim)}";
        return service ? (ServiceCommandsPerSecond, ServiceCommandsBurst, key) : (UserCommandsPerSecond, UserCommandsBurst, key);
    }

    /// <summary>The longest any bucket takes to fill from empty.</summary>
    public double SecondsToFillMax => Math.Max(UserCommandsBurst / (double)UserCommandsPerSecond, ServiceCommandsBurst / (double)ServiceCommandsPerSecond);

    public static IResult Refusal(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
        return CommandAnswers.Problem(429, "rate_limited",
            "Too many commands from this caller; nothing was applied. Retry after the Retry-After delay with the same Idempotency-Key.");
    }
}

/// <summary>
/// One token bucket per caller, refilled lazily from the time since its last use: no timer walks the
/// buckets (ASP.NET Core's partitioned limiter replenishes every bucket ten times a second, which
/// cost 23 µs per command at 10,000 callers). Tokens are counted in millionths, in integers.
/// </summary>
public sealed class CallerBuckets(CommandRateLimits limits, TimeProvider time)
{
    private const long Micro = 1_000_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Bucket> _buckets = new();
    private long _nextSweep;

    private sealed class Bucket(long tokensMicro, long at)
    {
        public long TokensMicro = tokensMicro;
        public long At = at;
    }

    /// <summary>Callers whose buckets are kept now.</summary>
    internal int CallersTracked => _buckets.Count;

    /// <summary>Takes one token for the caller; null when it may go on, else how long until one is there.</summary>
    public TimeSpan? Take(ClaimsPrincipal caller)
    {
        var (perSecond, burst, key) = limits.LimitsOf(caller);
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.burst * Micro, state.now), (burst, now));
        lock (bucket)
        {
            Refill(bucket, now, perSecond, burst);
            if (bucket.TokensMicro >= Micro)
            {
                bucket.TokensMicro -= Micro;
                SweepWhenDue(now);
                return null;
            }
            return TimeSpan.FromSeconds((double)(Micro - bucket.TokensMicro) / (perSecond * Micro));
        }
    }

    private void Refill(Bucket bucket, long now, int perSecond, int burst)
    {
        var elapsed = now - bucket.At;
        if (elapsed <= 0) return;
        var full = burst * Micro;
        // Bounded before multiplying: a bucket idle long enough is simply full.
        var fillTicks = (full - bucket.TokensMicro) / Math.Max(1, perSecond) * time.TimestampFrequency / Micro + 1;
        bucket.TokensMicro = elapsed >= fillTicks ? full : Math.Min(full, bucket.TokensMicro + elapsed * perSecond * Micro / time.TimestampFrequency);
        bucket.At = now;
    }

    private void SweepWhenDue(long now)
    {
        // The time first: ConcurrentDictionary.Count takes every one of its locks, which cost 5 % of the
        // Api's CPU when it was asked on every command (perf, bench uniform load, 10,000 callers).
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next) return;
        var sweepTicks = (long)(CommandRateLimits.SweepInterval.TotalSeconds * time.TimestampFrequency);
        if (Interlocked.CompareExchange(ref _nextSweep, now + sweepTicks, next) != next) return;
        if (_buckets.Count <= limits.CallersTrackedMax) return;
        // A bucket idle long enough to be full again is the same as a new one: dropping it changes nothing.
        var idleTicks = (long)(limits.SecondsToFillMax * time.TimestampFrequency) + time.TimestampFrequency;
        foreach (var (key, bucket) in _buckets)
            if (now - Volatile.Read(ref bucket.At) > idleTicks) _buckets.TryRemove(key, out _);
    }
}

/// <summary>Puts command endpoints behind their caller's bucket: past it, 429 at once (before the body
/// is read), nothing queued.</summary>
public static class CommandRateLimitEndpoints
{
    private sealed class RateLimitedCommand;

    public static TBuilder RequireCommandRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitedCommand());

    /// <summary>After authentication, so the bucket is the token subject's.</summary>
    public static IApplicationBuilder UseCommandRateLimits(this IApplicationBuilder app)
    {
        var buckets = app.ApplicationServices.GetRequiredService<CallerBuckets>();
        return app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<RateLimitedCommand>() is not null && buckets.Take(http.User) is { } wait)
            {
                await CommandRateLimits.Refusal(http, wait).ExecuteAsync(http);
                return;
            }
            await next(http);
        });
    }
}
