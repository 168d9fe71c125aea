using System.Net;
using System.Text;
using System.Text.Json;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>What a caller sees: idempotent repeats, refusals with codes, and bad input that changes nothing.</summary>
public sealed class CommandHttpTests(SharedLedger shared) : IClassFixture<SharedLedger>
{
    private RunningLedger Ledger => shared.Ledger;

    [Fact]
    public async Task the_same_request_sent_three_times_at_once_applies_once()
    {
        var body = new { userId = "repeat-user", asset = "USD", amount = "10.00" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Ledger.Post("/v1/deposits", body, "same-key")));

        var answers = new List<JsonElement>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            answers.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
        }
        Assert.Single(answers.Select(a => a.GetProperty("commandId").GetString()).Distinct());
        Assert.Equal(2, responses.Count(r => r.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true"));
        Assert.All(answers, a => DepositsEndToEndTests.AssertBalance(a.GetProperty("balance"), "USD", "10.00", "0.00", "10.00"));

        using var later = await Ledger.Post("/v1/deposits", body, "same-key");
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.Equal("true", later.Headers.GetValues("Idempotent-Replayed").Single());
        await Eventually.Until(async () => await EventsOf("repeat-user") == 1, TimeSpan.FromSeconds(30), $"the deposit is projected\n{Ledger.Logs}");
        Assert.Equal(1, await EventsOf("repeat-user"));
    }

    [Fact]
    public async Task the_same_key_with_another_body_is_refused_with_idempotency_key_reused()
    {
        using var first = await Ledger.Post("/v1/deposits", new { userId = "reuse-user", asset = "USD", amount = "1.00" }, "reused");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await Ledger.Post("/v1/deposits", new { userId = "reuse-user", asset = "USD", amount = "2.00" }, "reused");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("idempotency_key_reused", await CodeOf(second));
    }

    [Fact]
    public async Task a_withdrawal_beyond_the_available_balance_is_refused_with_insufficient_funds()
    {
        using var deposit = await Ledger.Post("/v1/deposits", new { userId = "poor-user", asset = "EUR", amount = "5.00" }, "d1");
        Assert.Equal(HttpStatusCode.Created, deposit.StatusCode);

        using var tooMuch = await Ledger.Post("/v1/withdrawals", new { userId = "poor-user", asset = "EUR", amount = "5.01" }, "w1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMuch.StatusCode);
        Assert.Equal("insufficient_funds", await CodeOf(tooMuch));

        using var allOfIt = await Ledger.Post("/v1/withdrawals", new { userId = "poor-user", asset = "EUR", amount = "5.00" }, "w2");
        Assert.Equal(HttpStatusCode.Created, allOfIt.StatusCode);
        var answer = JsonDocument.Parse(await allOfIt.Content.ReadAsStringAsync()).RootElement;
        DepositsEndToEndTests.AssertBalance(answer.GetProperty("balance"), "EUR", "0.00", "0.00", "0.00");

        // Regression: a batch holding only the withdrawal once tripped the cache's "available >= 0" check.
        await Eventually.Until(async () => await EventsOf("poor-user") == 3, TimeSpan.FromSeconds(30), $"all three are projected\n{Ledger.Logs}");
        var projected = (await Ledger.GetJson("/v1/accounts/poor-user/balances")).GetProperty("balances")[0];
        DepositsEndToEndTests.AssertBalance(projected, "EUR", "0.00", "0.00", "0.00");
    }

    [Theory]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"1.00"}""", null, "Idempotency-Key")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"1.001"}""", "k", "amount")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"0.00"}""", "k", "amount")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"-1.00"}""", "k", "amount")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"1e3"}""", "k", "amount")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":"99999999999999999999"}""", "k", "amount")]
    [InlineData("""{"userId":"bad-user","asset":"XYZ","amount":"1.00"}""", "k", "asset")]
    [InlineData("""{"userId":"bad user!","asset":"USD","amount":"1.00"}""", "k", "userId")]
    [InlineData("""{"asset":"USD","amount":"1.00"}""", "k", "userId")]
    [InlineData("""{"userId":"bad-user","asset":"USD","amount":100}""", "k", null)]
    [InlineData("""{"userId":"bad-user",""", "k", null)]
    public async Task bad_input_gets_a_400_and_changes_nothing(string json, string? key, string? field)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        request.Headers.Authorization = Ledger.Bearer("treasury", "treasury");
        using var response = await Ledger.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null) Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
        Assert.Equal(0, await EventsOf("bad-user"));
    }

    private Task<long> EventsOf(string userId) =>
        Ledger.Postgres.Scalar<long>($"select count(*) from events where user_id = '{userId}'");

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString();
}
