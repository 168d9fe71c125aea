using System.Security.Claims;
using Ledger.Api.Access;
using Ledger.Api.Commands;
using Xunit;

namespace Ledger.Tests.Edge;

/// <summary>The per-caller token buckets: a burst, then refusals with the wait until the next token,
/// refilled from the time passed; and callers idle long enough are forgotten once too many are kept.</summary>
public sealed class CallerBucketsTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks;
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => 1_000_000;
        public void Advance(TimeSpan by) => Ticks += (long)(by.TotalSeconds * TimestampFrequency);
    }

    private static ClaimsPrincipal User(string subject) =>
        new(new ClaimsIdentity([new Claim(AccountAccess.SubjectClaim, subject)], authenticationType: "test"));

    [Fact]
    public void a_caller_gets_its_burst_then_a_refusal_with_the_wait_then_tokens_again_as_time_passes()
    {
        var time = new ManualTime();
        var buckets = new CallerBuckets(new CommandRateLimits { UserCommandsPerSecond = 2, UserCommandsBurst = 4 }, time);
        var alice = User("alice");

        for (var i = 0; i < 4; i++) Assert.Null(buckets.Take(alice));
        Assert.Equal(TimeSpan.FromSeconds(0.5), buckets.Take(alice));
        Assert.Null(buckets.Take(User("bob"))); // another caller has its own bucket

        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Null(buckets.Take(alice));
        Assert.NotNull(buckets.Take(alice));
    }

    [Fact]
    public void past_the_callers_kept_at_most_the_idle_ones_are_dropped_at_the_next_sweep_and_the_busy_ones_kept()
    {
        var time = new ManualTime();
        var limits = new CommandRateLimits { UserCommandsPerSecond = 10, UserCommandsBurst = 10, CallersTrackedMax = 2 };
        var buckets = new CallerBuckets(limits, time);
        for (var i = 0; i < 5; i++) Assert.Null(buckets.Take(User($"idle-{i}")));
        Assert.Equal(5, buckets.CallersTracked);

        // Longer than any bucket takes to fill (1 s) plus a second: every idle bucket is full again.
        time.Advance(TimeSpan.FromSeconds(limits.SecondsToFillMax + 1.5));
        var busy = User("busy");
        Assert.Null(buckets.Take(busy));

        Assert.Equal(1, buckets.CallersTracked);
        for (var i = 0; i < 9; i++) Assert.Null(buckets.Take(busy));
        Assert.NotNull(buckets.Take(busy)); // its bucket was kept: the burst is spent
    }
}
