using System.Security.Claims;
using System.Threading.RateLimiting;
using Ledger.Api.Access;

namespace Ledger.Api.Commands;

/// <summary>Per-caller rate limits on commands ("RateLimits" section): a token bucket per token
/// subject, refilled every second. Users get a small bucket; the treasury and the engine, which act
/// for many accounts, a large one. Nothing waits in a queue: past the bucket the answer is 429 at once.</summary>
public sealed class CommandRateLimits
{
    public const string Section = "RateLimits";
    public const string Policy = "commands";

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

    public void AddTo(IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.AddPolicy(Policy, http => Bucket(http.User));
        limiter.OnRejected = async (context, cancellation) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            await CommandAnswers.Problem(429, "rate_limited",
                "Too many commands from this caller; nothing was applied. Retry after the Retry-After delay with the same Idempotency-Key.")
                .ExecuteAsync(context.HttpContext);
        };
    });

    private RateLimitPartition<string> Bucket(ClaimsPrincipal caller)
    {
        var service = caller.IsInRole(Roles.Treasury) || caller.IsInRole(Roles.Engine);
        var key = $"{(service ? "service" : "user")}:{caller.FindFirstValue(AccountAccess.SubjectClaim)}";
        var (perSecond, burst) = service ? (ServiceCommandsPerSecond, ServiceCommandsBurst) : (UserCommandsPerSecond, UserCommandsBurst);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
