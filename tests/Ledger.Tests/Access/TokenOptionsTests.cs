using Ledger.Api.Access;
using Xunit;

namespace Ledger.Tests.Access;

public sealed class TokenOptionsTests
{
    private const string Key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    [Fact]
    public void a_shared_key_or_an_identity_provider_is_required_and_not_both()
    {
        Assert.Contains(new TokenOptions().Errors(), error => error.Contains("Auth:SigningKey or Auth:Authority is required"));
        Assert.Contains(new TokenOptions { SigningKey = Key, Authority = "https://id.example.net/realms/ledger" }.Errors(),
            error => error.Contains("both set"));
        Assert.Empty(new TokenOptions { SigningKey = Key }.Errors());
        Assert.Empty(new TokenOptions { Authority = "https://id.example.net/realms/ledger" }.Errors());
    }

    [Fact]
    public void a_provider_over_plain_http_needs_require_https_metadata_off()
    {
        Assert.Contains(new TokenOptions { Authority = "http://id.internal" }.Errors(), error => error.Contains("Auth:RequireHttpsMetadata=false"));
        Assert.Empty(new TokenOptions { Authority = "http://id.internal", RequireHttpsMetadata = false }.Errors());
        Assert.Contains(new TokenOptions { Authority = "id.example.net" }.Errors(), error => error.Contains("Auth:Authority must be an absolute https URL"));
    }

    [Fact]
    public void the_role_claim_and_the_key_refresh_intervals_are_bounded()
    {
        var errors = new TokenOptions
        {
            Authority = "https://id.example.net", RoleClaim = " ",
            KeyRefreshInterval = TimeSpan.Zero, KeyAutomaticRefreshInterval = TimeSpan.FromDays(30),
        }.Errors();
        Assert.Contains(errors, error => error.Contains("Auth:RoleClaim"));
        Assert.Contains(errors, error => error.Contains("Auth:KeyRefreshInterval"));
        Assert.Contains(errors, error => error.Contains("Auth:KeyAutomaticRefreshInterval"));
    }
}
