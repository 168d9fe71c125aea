using System.Net;
using System.Net.Http.Headers;
using Ledger.Tests.Support;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>Tokens from an OpenID Connect identity provider (Auth__Authority): the suite serves the
/// discovery document and the JWKS on loopback with keys it makes, and rotates them.</summary>
public sealed class IdentityProviderTests
{
    private const string Audience = "ledger-api";
    private const string Statistics = "/v1/stats/daily?from=2026-01-01&to=2026-01-31";

    [Fact]
    public async Task tokens_of_either_published_key_are_accepted_after_a_rotation_and_bad_ones_are_refused_with_the_reason()
    {
        await using var provider = new TestIdentityProvider();
        var first = TestIdentityProvider.NewRsaKey("rsa-2026-01");
        var second = TestIdentityProvider.NewEcKey("ec-2026-02");
        var unpublished = TestIdentityProvider.NewRsaKey("rsa-unpublished");
        provider.Publish(first);
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Auth__SigningKey"] = "",
            ["Auth__Authority"] = provider.Authority,
            ["Auth__RequireHttpsMetadata"] = "false", // the test's provider is plain HTTP on loopback
            ["Auth__Audience"] = Audience,
            ["Auth__RoleClaim"] = "roles",
            ["Auth__KeyRefreshInterval"] = "00:00:01",
        });
        using var http = new HttpClient { BaseAddress = ledger.Api!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var ofFirst = provider.Token(first, "analyst-1", ["analyst"], Audience);
        Assert.Equal(HttpStatusCode.OK, (await Get(http, ofFirst)).Status);
        var ofSecond = provider.Token(second, "analyst-2", ["analyst"], Audience);
        var beforeRotation = await Get(http, ofSecond);
        Assert.Equal(HttpStatusCode.Unauthorized, beforeRotation.Status);
        Assert.Contains("signature does not verify", beforeRotation.Body);

        // The rotation: the provider publishes the new key beside the old one, then signs with it.
        provider.Publish(first, second);
        await Eventually.Until(async () => (await Get(http, ofSecond)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "a token of the newly published key is accepted");
        Assert.Equal(HttpStatusCode.OK, (await Get(http, ofFirst)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(http, provider.Token(second, "analyst-3", ["analyst"], Audience))).Status);

        await Refused(http, provider.Token(unpublished, "analyst-1", ["analyst"], Audience), "signature does not verify");
        await Refused(http, provider.Token(first, "analyst-1", ["analyst"], "someone-else"), "audience is not accepted");
        await Refused(http, provider.Token(first, "analyst-1", ["analyst"], Audience, lifetime: TimeSpan.FromMinutes(-10)), "has expired");
        await Refused(http, provider.Token(first, "analyst-1", ["analyst"], Audience, issuer: "https://elsewhere.example"), "issuer is not accepted");
        // A shared-key token is refused where tokens come from the provider.
        await Refused(http, ledger.Tokens.For("analyst-1", "analyst", audience: Audience, issuer: provider.Authority), "The bearer token");

        // The roles are read from the configured claim only: the same role under "role" grants nothing.
        var wrongClaim = await Get(http, provider.Token(first, "analyst-1", ["analyst"], Audience, roleClaim: "role"));
        Assert.Equal(HttpStatusCode.Forbidden, wrongClaim.Status);
    }

    private static async Task Refused(HttpClient http, string token, string reason)
    {
        var (status, body) = await Get(http, token);
        Assert.True(status == HttpStatusCode.Unauthorized, $"{reason}: {(int)status} {body}");
        Assert.Contains(reason, body);
        Assert.DoesNotContain(token, body);
    }

    private static async Task<(HttpStatusCode Status, string Body)> Get(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Statistics);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
