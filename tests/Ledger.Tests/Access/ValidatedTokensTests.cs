using System.Security.Claims;
using Ledger.Api.Access;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Ledger.Tests.Access;

/// <summary>The cache of validated bearer tokens never honours a token longer than validation would
/// (its own expiry), nor a validation older than its time to live; it holds a bounded number.</summary>
public sealed class ValidatedTokensTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly ClaimsPrincipal Alice = new(new ClaimsIdentity([new Claim("sub", "alice")], "test"));

    private static (ValidatedTokens Tokens, ManualTime Time) Cache(TimeSpan ttl)
    {
        var time = new ManualTime(Start);
        return (new ValidatedTokens(new TokenOptions { ValidatedTokensTtl = ttl }, time), time);
    }

    [Fact]
    public void a_validated_token_is_found_until_its_time_to_live_and_then_validated_again()
    {
        var (tokens, time) = Cache(ttl: TimeSpan.FromSeconds(60));
        tokens.Remember("t1", Alice, expires: Start.AddHours(1).UtcDateTime);

        Assert.Same(Alice, tokens.Find("t1"));
        Assert.Null(tokens.Find("t2"));
        time.Now = Start.AddSeconds(60);
        Assert.Null(tokens.Find("t1"));
    }

    [Fact]
    public void a_token_is_never_found_at_or_past_its_own_expiry_even_within_the_time_to_live()
    {
        var (tokens, time) = Cache(ttl: TimeSpan.FromMinutes(10));
        tokens.Remember("soon", Alice, expires: Start.AddSeconds(5).UtcDateTime);
        tokens.Remember("gone", Alice, expires: Start.AddSeconds(-1).UtcDateTime); // validated within the clock skew

        Assert.Same(Alice, tokens.Find("soon"));
        Assert.Null(tokens.Find("gone"));
        time.Now = Start.AddSeconds(5);
        Assert.Null(tokens.Find("soon"));
    }

    [Fact]
    public void off_it_remembers_nothing_and_past_its_size_it_starts_again_empty()
    {
        var off = new ValidatedTokens(new TokenOptions { ValidatedTokensTtl = TimeSpan.Zero }, new ManualTime(Start));
        off.Remember("t", Alice, Start.AddHours(1).UtcDateTime);
        Assert.Null(off.Find("t"));

        var small = new ValidatedTokens(new TokenOptions { ValidatedTokensMax = 2 }, new ManualTime(Start));
        small.Remember("a", Alice, Start.AddHours(1).UtcDateTime);
        small.Remember("b", Alice, Start.AddHours(1).UtcDateTime);
        small.Remember("c", Alice, Start.AddHours(1).UtcDateTime);
        Assert.Null(small.Find("a"));
        Assert.Null(small.Find("b"));
        Assert.Same(Alice, small.Find("c"));
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer  abc ", "abc")]
    [InlineData("Basic abc", null)]
    [InlineData("", null)]
    public void the_token_is_read_from_the_header_as_jwt_bearer_reads_it(string header, string? token)
    {
        var http = new DefaultHttpContext();
        if (header.Length > 0) http.Request.Headers.Authorization = header;
        Assert.Equal(token, ValidatedTokens.TokenOf(http.Request));
    }

    [Fact]
    public void its_time_to_live_is_between_0_and_10_minutes()
    {
        var key = Convert.ToBase64String(new byte[32]);
        Assert.Empty(new TokenOptions { SigningKey = key }.Errors());
        Assert.Contains("Auth:ValidatedTokensTtl must be between 0 (off) and 10 minutes",
            new TokenOptions { SigningKey = key, ValidatedTokensTtl = TimeSpan.FromMinutes(11) }.Errors());
        Assert.Contains("Auth:ValidatedTokensMax must be between 1 and 10,000,000", new TokenOptions { SigningKey = key, ValidatedTokensMax = 0 }.Errors());
    }
}
