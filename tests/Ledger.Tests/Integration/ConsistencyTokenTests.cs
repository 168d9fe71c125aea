using System.Net;
using System.Text.Json;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>Read-your-writes: a command's answer carries a consistency token, and a read given it waits
/// (bounded) until the read models include that decision, or says it could not.</summary>
public sealed class ConsistencyTokenTests(SharedLedger shared) : IClassFixture<SharedLedger>
{
    private const string TokenHeader = "Consistency-Token";
    private const string ReachedHeader = "Consistency-Reached";

    [Fact]
    public async Task every_read_given_its_deposits_token_sees_that_deposit_and_a_repeat_answers_a_token_too()
    {
        var ledger = shared.Ledger;
        var user = "token-reader";
        for (var i = 1; i <= 20; i++)
        {
            var (token, _) = await Deposit(ledger, user, "1.00", $"d{i}");
            using var read = await Read(ledger, $"/v1/accounts/{user}/balances", token);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal("true", read.Headers.GetValues(ReachedHeader).Single());
            Assert.Equal($"{i}.00", await TotalUsd(read));
        }

        // A repeat under the same key answers the first outcome, with a token at or past its event.
        var (repeatToken, repeat) = await Deposit(ledger, user, "1.00", "d20");
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        using var afterRepeat = await Read(ledger, $"/v1/accounts/{user}/entries", repeatToken);
        Assert.Equal("true", afterRepeat.Headers.GetValues(ReachedHeader).Single());
        var entries = JsonDocument.Parse(await afterRepeat.Content.ReadAsStringAsync()).RootElement.GetProperty("entries");
        Assert.Equal(20, entries.GetArrayLength());

        // A refusal is a decision too: its 422 carries a token, and the refusal is readable with it.
        using var refused = await ledger.Post("/v1/withdrawals", new { userId = user, asset = "USD", amount = "1000.00" }, "too-much");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var refusedToken = refused.Headers.GetValues(TokenHeader).Single();
        var commandId = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("commandId").GetString();
        using var decision = await Read(ledger, $"/v1/commands/{commandId}", refusedToken);
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.Equal("true", decision.Headers.GetValues(ReachedHeader).Single());
    }

    [Fact]
    public async Task an_edge_without_writers_answers_tokens_from_the_log_that_reads_honour()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1, separateWriter: true);
        var user = "remote-token-reader";
        for (var i = 1; i <= 5; i++)
        {
            var (token, _) = await Deposit(ledger, user, "2.00", $"r{i}");
            using var read = await Read(ledger, $"/v1/accounts/{user}/balances", token);
            Assert.Equal("true", read.Headers.GetValues(ReachedHeader).Single());
            Assert.Equal($"{2 * i}.00", await TotalUsd(read));
        }
        var (repeatToken, repeat) = await Deposit(ledger, user, "2.00", "r5");
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        using var afterRepeat = await Read(ledger, $"/v1/accounts/{user}/balances", repeatToken);
        Assert.Equal("true", afterRepeat.Headers.GetValues(ReachedHeader).Single());
        Assert.Equal("10.00", await TotalUsd(afterRepeat));
    }

    [Fact]
    public async Task with_the_projector_stopped_a_read_waits_no_longer_than_the_bound_and_says_it_is_behind()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Postgres__ConsistencyWaitMax"] = "00:00:00.500",
        });
        var user = "token-waiter";
        await Deposit(ledger, user, "1.00", "before");
        await Eventually.Until(async () => (await ledger.GetJson($"/v1/accounts/{user}/balances")).GetProperty("balances").GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), $"the first deposit is projected\n{ledger.Logs}");

        ledger.Projector!.Kill();
        var (token, _) = await Deposit(ledger, user, "1.00", "while-stopped");
        var started = DateTime.UtcNow;
        using (var stale = await Read(ledger, $"/v1/accounts/{user}/balances", token))
        {
            // Bounded: the answer comes after the wait ran out, not after the client's own 30 s timeout.
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the read waited far past Postgres:ConsistencyWaitMax");
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("false", stale.Headers.GetValues(ReachedHeader).Single());
            Assert.Equal("1.00", await TotalUsd(stale));
        }

        await ledger.StartProjector();
        await Eventually.Until(async () =>
        {
            using var read = await Read(ledger, $"/v1/accounts/{user}/balances", token);
            return read.Headers.GetValues(ReachedHeader).Single() == "true" && await TotalUsd(read) == "2.00";
        }, TimeSpan.FromSeconds(60), $"the read reaches the token once the projector runs\n{ledger.Logs}");
    }

    [Fact]
    public async Task a_token_that_is_not_one_of_ours_is_a_400_and_a_read_without_one_does_not_wait()
    {
        var ledger = shared.Ledger;
        var path = "/v1/accounts/nobody-yet/balances";
        // "4:5" names partition 4 of a 4-partition ledger; "x" is not base64url of two numbers.
        foreach (var bad in new[] { "x", "not a token", Base64Url("4:5"), Base64Url("0:-1"), Base64Url("0:1:2"), new string('A', 60) })
        {
            using var read = await Read(ledger, path, bad);
            Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
            Assert.Contains("invalid_consistency_token", await read.Content.ReadAsStringAsync());
        }
        using var twice = new HttpRequestMessage(HttpMethod.Get, path);
        twice.Headers.TryAddWithoutValidation(TokenHeader, [Base64Url("0:1"), Base64Url("0:2")]);
        using var twoTokens = await ledger.Http.SendAsync(twice);
        Assert.Equal(HttpStatusCode.BadRequest, twoTokens.StatusCode);

        using var plain = await ledger.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.False(plain.Headers.Contains(ReachedHeader));
    }

    private static async Task<(string Token, HttpResponseMessage Response)> Deposit(RunningLedger ledger, string user, string amount, string key)
    {
        var response = await ledger.Post("/v1/deposits", new { userId = user, asset = "USD", amount }, key);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"deposit {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var token = response.Headers.GetValues(TokenHeader).Single();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(token, body.GetProperty("consistencyToken").GetString());
        return (token, response);
    }

    private static Task<HttpResponseMessage> Read(RunningLedger ledger, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation(TokenHeader, token);
        return ledger.Http.SendAsync(request);
    }

    private static async Task<string?> TotalUsd(HttpResponseMessage read)
    {
        var balances = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("balances");
        return balances.EnumerateArray().Where(b => b.GetProperty("asset").GetString() == "USD")
            .Select(b => b.GetProperty("total").GetString()).SingleOrDefault() ?? "0";
    }

    private static string Base64Url(string text) =>
        Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
