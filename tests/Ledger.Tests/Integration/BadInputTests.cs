using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>One malformed request, sent with the token of a caller allowed on its endpoint, so the
/// answer comes from validation and never from authentication (401) or authorisation (403).</summary>
/// <param name="Status">The 4xx it must get.</param>
/// <param name="Field">For a 400 validation problem: the field its <c>errors</c> must name; for a 422: the code.</param>
public sealed record BadRequest(string Name, HttpMethod Method, string Path, byte[]? Body, string? Token, int Status, string? Field = null)
{
    public string? ContentType { get; init; } = "application/json";
    public string? IdempotencyKey { get; init; } = "edge-key";
    public (string Name, string Value)? Header { get; init; }

    /// <summary>The problem's <c>code</c>, when the case is about it (every refusal must have one).</summary>
    public string? Code { get; init; }

    /// <summary>Header lines sent as they are, over a socket of the test's own: HttpClient would join a
    /// repeated header into one line, and the case is about two lines.</summary>
    public IReadOnlyList<(string Name, string Value)>? RawHeaderLines { get; init; }
}

/// <summary>One running Ledger for the edge's tests (bad input, API documents), which change nothing
/// each other reads.</summary>
[CollectionDefinition(Name)]
public sealed class EdgeLedger : ICollectionFixture<SharedLedger>
{
    public const string Name = "edge";
}

/// <summary>
/// The edge refuses bad input cleanly: more than a hundred distinct malformed requests across every
/// endpoint (bodies, paths, queries, headers; ambiguous bodies: repeated, unknown or wrong-case
/// members, trailing content, comments, a byte order mark; two Idempotency-Keys) each get the 4xx
/// they should, as RFC 9457 problem details with a message and a code; and afterwards the ledger is
/// exactly as it was: balances, events and the command log. That is proved, not slept on: after the
/// bad requests a marker deposit goes to every partition, and once all markers are projected, every
/// command that had reached the log before them is decided and projected too.
/// </summary>
[Collection(EdgeLedger.Name)]
public sealed class BadInputTests(SharedLedger shared, ITestOutputHelper output)
{
    private const string Alice = "edge-alice";
    private const string Bob = "edge-bob";
    private const string AliceOrder = "edge-order-1";
    private RunningLedger Ledger => shared.Ledger;

    [Fact]
    public async Task every_malformed_request_gets_a_4xx_problem_and_the_ledger_is_unchanged()
    {
        await GiveAliceMoneyAndAnOpenOrder();
        var before = await Snapshot();

        var cases = Cases();
        Assert.True(cases.Select(c => c.Name).Distinct().Count() == cases.Count, "case names are distinct");
        Assert.True(cases.Count >= 100, $"at least 100 cases, not {cases.Count}");
        var wrong = new List<string>();
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 })
        {
            BaseAddress = Ledger.Api!.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        foreach (var bad in cases)
        {
            var why = await WhatIsWrong(client, bad, output);
            if (why is not null) wrong.Add($"{bad.Name} ({bad.Method} {Shorten(bad.Path)}): {why}");
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {cases.Count} bad requests were answered wrongly:\n{string.Join("\n", wrong)}");

        var refusals = cases.Count(c => c.Status == 422);
        var markers = await SendMarkerToEveryPartition();
        var after = await Snapshot();

        Assert.Equal(before.Balances, after.Balances.Where(b => !markers.Contains(b.UserId)).ToList());
        Assert.Equal(before.AcceptedEvents + markers.Count, after.AcceptedEvents);
        // The ledger's own refusals (422) are recorded as rejection events: exactly one each, moving nothing.
        Assert.Equal(before.RejectedEvents + refusals, after.RejectedEvents);
        // Nothing else reached the command log: only the refused commands and the markers.
        Assert.Equal(before.CommandsSentToWriters + refusals + markers.Count, after.CommandsSentToWriters);
    }

    private List<BadRequest> Cases()
    {
        var treasury = Ledger.Tokens.For("treasury", "treasury");
        var alice = Ledger.Tokens.For(Alice, "user");
        var engine = Ledger.Tokens.For("engine", "engine");
        var admin = Ledger.Tokens.For("edge-admin", "admin");

        BadRequest Deposit(string name, string json, string? field, int status = 400) =>
            new(name, HttpMethod.Post, "/v1/deposits", Encoding.UTF8.GetBytes(json), treasury, status, field);
        BadRequest DepositAmount(string name, string amount) =>
            Deposit(name, $$"""{"userId":"{{Alice}}","asset":"USD","amount":{{amount}}}""", "amount");
        BadRequest AsAlice(string name, string path, string json, string? field, int status = 400) =>
            new(name, HttpMethod.Post, path, Encoding.UTF8.GetBytes(json), alice, status, field) { IdempotencyKey = KeyFor(name) };
        BadRequest Fill(string name, string json, string? field, int status = 400) =>
            new(name, HttpMethod.Post, $"/v1/orders/{AliceOrder}/fills", Encoding.UTF8.GetBytes(json), engine, status, field) { IdempotencyKey = KeyFor(name) };
        BadRequest Read(string name, string path, string? field, int status = 400) =>
            new(name, HttpMethod.Get, path, null, admin, status, field) { ContentType = null, IdempotencyKey = null };
        BadRequest Malformed(string name, string json) => Deposit(name, json, null) with { Code = "malformed_json" };
        BadRequest Transfer(string name, string json, string? field) => AsAlice(name, "/v1/transfers", json, field);

        var deposit = $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00"}""";
        var order = $$"""{"userId":"{{Alice}}","market":"BTC-USD","side":"buy","price":"10.00","quantity":"0.10000000"}""";
        var fill = $$"""{"userId":"{{Alice}}","fillId":"edge-fill","market":"BTC-USD","side":"buy","quantity":"0.10000000","price":"10.00"}""";
        return
        [
            // Amounts: never rounded, never a number, never negative, zero or over 10^15 minor units.
            DepositAmount("amount negative", "\"-1\""),
            DepositAmount("amount zero", "\"0\""),
            DepositAmount("amount zero with decimals", "\"0.00\""),
            DepositAmount("amount exponent", "\"1e3\""),
            DepositAmount("amount too many decimals", "\"1.001\""),
            DepositAmount("amount overflowing a long", "\"99999999999999999999\""),
            DepositAmount("amount one minor unit over the maximum", "\"10000000000000.01\""),
            DepositAmount("amount leading space", "\" 1\""),
            DepositAmount("amount decimal comma", "\"1,00\""),
            DepositAmount("amount empty", "\"\""),
            DepositAmount("amount null", "null"),
            DepositAmount("amount a JSON number", "100"),
            DepositAmount("amount an object", """{"value":"1.00"}"""),
            DepositAmount("amount with a plus sign", "\"+1.00\""),
            DepositAmount("amount trailing point", "\"1.\""),
            Deposit("amount 9 decimals of BTC", $$"""{"userId":"{{Alice}}","asset":"BTC","amount":"0.000000001"}""", "amount"),
            // Assets and users.
            Deposit("unknown asset", $$"""{"userId":"{{Alice}}","asset":"XYZ","amount":"1.00"}""", "asset"),
            Deposit("asset in lower case", $$"""{"userId":"{{Alice}}","asset":"usd","amount":"1.00"}""", "asset"),
            Deposit("asset missing", $$"""{"userId":"{{Alice}}","amount":"1.00"}""", "asset"),
            Deposit("user id with spaces and punctuation", """{"userId":"bad user!","asset":"USD","amount":"1.00"}""", "userId"),
            Deposit("user id too long", $$"""{"userId":"{{new string('u', 65)}}","asset":"USD","amount":"1.00"}""", "userId"),
            Deposit("user id missing", """{"asset":"USD","amount":"1.00"}""", "userId"),
            Deposit("user id a number", """{"userId":42,"asset":"USD","amount":"1.00"}""", "userId"),
            Deposit("user id non-ASCII", """{"userId":"ålice","asset":"USD","amount":"1.00"}""", "userId"),
            // The Idempotency-Key header.
            Deposit("idempotency key missing", deposit, "Idempotency-Key") with { IdempotencyKey = null },
            Deposit("idempotency key too long", deposit, "Idempotency-Key") with { IdempotencyKey = new string('k', 129) },
            Deposit("idempotency key with a space", deposit, "Idempotency-Key") with { IdempotencyKey = "a b" },
            Deposit("idempotency key with a byte that is not UTF-8", deposit, "Idempotency-Key") with { IdempotencyKey = "key-\u00ff" },
            // Bodies that are not a JSON object of strings.
            Deposit("body not JSON", "hello", null),
            Deposit("body truncated JSON", $$"""{"userId":"{{Alice}}",""", null),
            Deposit("body a JSON array", "[]", "body"),
            Deposit("body a JSON number", "42", "body"),
            Deposit("body JSON null", "null", "body"),
            Deposit("body empty", "", "body"),
            Deposit("body nested deeper than JSON allows", "{\"padding\":" + new string('[', 100) + new string(']', 100) + "}", null),
            Deposit("body a trailing comma", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00",}""", null),
            new("body with bytes that are not UTF-8", HttpMethod.Post, "/v1/deposits",
                [.. Encoding.UTF8.GetBytes($$"""{"userId":"{{Alice}}","asset":"USD","amount":"1"""), 0xff, 0xfe, .. "\"}"u8.ToArray()], treasury, 400, "amount"),
            new("body of 2 MB", HttpMethod.Post, "/v1/deposits", LargeBody(2 * 1024 * 1024), treasury, 413) { Code = "body_too_large" },
            Deposit("content type text/plain", deposit, null, 415) with { ContentType = "text/plain", Code = "unsupported_media_type" },
            Deposit("no content type", deposit, null, 415) with { ContentType = null, Code = "unsupported_media_type" },
            Deposit("huge header", deposit, null, 431) with { Header = ("X-Padding", new string('p', 40 * 1024)) },
            // Withdrawals, orders, cancels, fills, transfers.
            AsAlice("withdrawal of an unknown asset", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"DOGE","amount":"1.00"}""", "asset"),
            AsAlice("withdrawal of three decimals of EUR", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"EUR","amount":"0.001"}""", "amount"),
            AsAlice("withdrawal beyond the balance", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1000000.00"}""", "insufficient_funds", 422),
            AsAlice("order in an unknown market", "/v1/orders", order.Replace("BTC-USD", "DOGE-USD"), "market"),
            AsAlice("order side neither buy nor sell", "/v1/orders", order.Replace("\"buy\"", "\"hold\""), "side"),
            AsAlice("order price zero", "/v1/orders", order.Replace("\"10.00\"", "\"0\""), "price"),
            AsAlice("order price negative", "/v1/orders", order.Replace("\"10.00\"", "\"-10.00\""), "price"),
            AsAlice("order quantity with 9 decimals", "/v1/orders", order.Replace("0.10000000", "0.100000001"), "quantity"),
            AsAlice("order id with a slash", "/v1/orders", order.Replace("{", "{\"orderId\":\"order/1\","), "orderId"),
            AsAlice("order market missing", "/v1/orders", order.Replace("\"market\":\"BTC-USD\",", ""), "market"),
            AsAlice("cancel with an order id too long", $"/v1/orders/{new string('o', 65)}/cancel", $$"""{"userId":"{{Alice}}"}""", "orderId"),
            AsAlice("cancel without a user", $"/v1/orders/{AliceOrder}/cancel", "{}", "userId"),
            AsAlice("cancel of an unknown order", "/v1/orders/edge-no-such-order/cancel", $$"""{"userId":"{{Alice}}"}""", "order_not_found", 422),
            Fill("fill with a negative fee", fill.Replace("}", ",\"fee\":\"-1\"}"), "fee"),
            Fill("fill without a fill id", fill.Replace("\"fillId\":\"edge-fill\",", ""), "fillId"),
            Fill("fill of more than the order", fill.Replace("0.10000000", "2.00000000"), "overfill", 422),
            AsAlice("transfer without a receiver", "/v1/transfers", $$"""{"fromUserId":"{{Alice}}","asset":"USD","amount":"1.00"}""", "toUserId"),
            AsAlice("transfer of three decimals", "/v1/transfers", $$"""{"fromUserId":"{{Alice}}","toUserId":"{{Bob}}","asset":"USD","amount":"1.001"}""", "amount"),
            AsAlice("transfer to oneself", "/v1/transfers", $$"""{"fromUserId":"{{Alice}}","toUserId":"{{Alice}}","asset":"USD","amount":"1.00"}""", "same_account", 422),
            // Reads: paths, queries, unknown ids.
            Read("entries limit zero", $"/v1/accounts/{Alice}/entries?limit=0", "limit"),
            Read("entries limit over the maximum", $"/v1/accounts/{Alice}/entries?limit=1001", "limit"),
            Read("entries limit not a number", $"/v1/accounts/{Alice}/entries?limit=ten", "limit"),
            Read("entries cursor not given out", $"/v1/accounts/{Alice}/entries?cursor=!!!", "cursor"),
            Read("entries of an unknown asset", $"/v1/accounts/{Alice}/entries?asset=XYZ", "asset"),
            Read("entries asset not UTF-8", $"/v1/accounts/{Alice}/entries?asset=%FF", "asset"),
            Read("balances of a user id with a space", "/v1/accounts/bad%20user/balances", "userId"),
            Read("orders of an unknown status", $"/v1/accounts/{Alice}/orders?status=pending", "status"),
            Read("statistics day 13 of a month", "/v1/stats/daily?from=2026-13-01&to=2026-12-31", "from"),
            Read("statistics from after to", "/v1/stats/daily?from=2026-02-01&to=2026-01-01", "from"),
            Read("statistics over 366 days", "/v1/stats/daily?from=2025-01-01&to=2026-01-02", "to"),
            Read("statistics without dates", "/v1/stats/daily", "from"),
            Read("user statistics of a bad user id", "/v1/stats/daily/users/bad%21user?from=2026-01-01&to=2026-01-02", "userId"),
            Read("order read without a user", $"/v1/orders/{AliceOrder}", "userId"),
            Read("order read of an unknown order", $"/v1/orders/edge-no-such-order?userId={Alice}", null, 404),
            Read("transfer read with a bad sender", "/v1/transfers/edge-transfer?fromUserId=a%20b", "fromUserId"),
            Read("transfer read of an unknown transfer", $"/v1/transfers/edge-no-such-transfer?fromUserId={Alice}", null, 404),
            Read("command read of a non-UUID", "/v1/commands/not-a-uuid", null),
            Read("unknown endpoint", "/v1/no-such-endpoint", null, 404) with { Code = "not_found" },
            Read("a method the endpoint does not answer", "/v1/deposits", null, 405) with { Code = "method_not_allowed" },
            // Issue 13: every request means one thing. Repeated members: the last one must never be taken.
            Deposit("amount twice, the second larger", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","amount":"900.00"}""", "amount"),
            Deposit("user id twice", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","userId":"{{Bob}}"}""", "userId"),
            Deposit("asset twice", $$"""{"userId":"{{Alice}}","asset":"USD","asset":"BTC","amount":"1.00"}""", "asset"),
            Deposit("amount twice, once escaped", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","\u0061mount":"900.00"}""", "amount"),
            Transfer("transfer receiver twice", $$"""{"fromUserId":"{{Alice}}","toUserId":"{{Bob}}","toUserId":"edge-mallory","asset":"USD","amount":"1.00"}""", "toUserId"),
            Transfer("transfer sender twice", $$"""{"fromUserId":"{{Alice}}","fromUserId":"{{Bob}}","toUserId":"{{Bob}}","asset":"USD","amount":"1.00"}""", "fromUserId"),
            AsAlice("order price twice", "/v1/orders", order.Replace("}", ",\"price\":\"1.00\"}"), "price"),
            AsAlice("cancel user twice", $"/v1/orders/{AliceOrder}/cancel", $$"""{"userId":"{{Alice}}","userId":"{{Bob}}"}""", "userId"),
            Fill("fill quantity twice", fill.Replace("}", ",\"quantity\":\"0.20000000\"}"), "quantity"),
            // Member names are exact: another letter case is an unknown member.
            Deposit("amount capitalised", $$"""{"userId":"{{Alice}}","asset":"USD","Amount":"1.00"}""", "Amount"),
            Deposit("user id in capitals", $$"""{"USERID":"{{Alice}}","asset":"USD","amount":"1.00"}""", "USERID"),
            Deposit("user id in lower case", $$"""{"userid":"{{Alice}}","asset":"USD","amount":"1.00"}""", "userid"),
            Deposit("asset capitalised beside the asset", $$"""{"userId":"{{Alice}}","asset":"USD","Asset":"BTC","amount":"1.00"}""", "Asset"),
            Transfer("transfer receiver with a capital D", $$"""{"fromUserId":"{{Alice}}","toUserID":"{{Bob}}","asset":"USD","amount":"1.00"}""", "toUserID"),
            AsAlice("order id capitalised", "/v1/orders", order.Replace("{", "{\"OrderId\":\"edge-order-x\","), "OrderId"),
            // Unknown members are refused, not dropped.
            Deposit("deposit with a memo", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","memo":"x"}""", "memo"),
            Deposit("deposit with nested metadata", $$$"""{"userId":"{{{Alice}}}","asset":"USD","amount":"1.00","metadata":{"a":[1,2]}}""", "metadata"),
            Deposit("deposit with an empty member name", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","":"x"}""", ""),
            Deposit("deposit with a member name that is not UTF-8", "", "body") with
            {
                Body = [.. Encoding.UTF8.GetBytes($$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","m"""), 0xff, .. "\":\"x\"}"u8.ToArray()],
            },
            Deposit("deposit with hundreds of unknown members", "{" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"unknown{i}\":\"x\"")) + "}", "unknown0"),
            AsAlice("order with a client reference", "/v1/orders", order.Replace("}", ",\"clientRef\":\"r-1\"}"), "clientRef"),
            AsAlice("order with a time in force", "/v1/orders", order.Replace("}", ",\"timeInForce\":\"GTC\"}"), "timeInForce"),
            AsAlice("cancel with a reason", $"/v1/orders/{AliceOrder}/cancel", $$"""{"userId":"{{Alice}}","reason":"changed my mind"}""", "reason"),
            Fill("fill with a trade id", fill.Replace("}", ",\"tradeId\":\"t-1\"}"), "tradeId"),
            Transfer("transfer with a note", $$"""{"fromUserId":"{{Alice}}","toUserId":"{{Bob}}","asset":"USD","amount":"1.00","note":"rent"}""", "note"),
            AsAlice("withdrawal with a destination", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","iban":"DE00"}""", "iban"),
            // A decimal string where an amount belongs, a string where text belongs; null is no value.
            AsAlice("withdrawal amount a JSON number", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"USD","amount":1.00}""", "amount"),
            AsAlice("withdrawal amount a boolean", "/v1/withdrawals", $$"""{"userId":"{{Alice}}","asset":"USD","amount":true}""", "amount"),
            Transfer("transfer amount a JSON number", $$"""{"fromUserId":"{{Alice}}","toUserId":"{{Bob}}","asset":"USD","amount":1}""", "amount"),
            AsAlice("order price a JSON number", "/v1/orders", order.Replace("\"10.00\"", "10.00"), "price"),
            AsAlice("order quantity an array", "/v1/orders", order.Replace("\"0.10000000\"", "[\"0.1\"]"), "quantity"),
            AsAlice("order id null", "/v1/orders", order.Replace("{", "{\"orderId\":null,"), "orderId"),
            AsAlice("order side a number", "/v1/orders", order.Replace("\"buy\"", "1"), "side"),
            Fill("fill fee a JSON number", fill.Replace("}", ",\"fee\":0}"), "fee"),
            Fill("fill fee null", fill.Replace("}", ",\"fee\":null}"), "fee"),
            Deposit("user id an object", """{"userId":{"id":"x"},"asset":"USD","amount":"1.00"}""", "userId"),
            Deposit("asset an array", $$"""{"userId":"{{Alice}}","asset":["USD"],"amount":"1.00"}""", "asset"),
            Deposit("user id an escaped lone surrogate", """{"userId":"\ud800","asset":"USD","amount":"1.00"}""", "userId"),
            // Bodies that are not exactly one JSON object.
            Malformed("body with trailing content", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00"} x"""),
            Malformed("body of two objects", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00"}{"userId":"{{Bob}}"}"""),
            Malformed("body with a block comment", $$"""{"userId":"{{Alice}}", /* who */ "asset":"USD","amount":"1.00"}"""),
            Malformed("body with a line comment", $$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00"} // done"""),
            Malformed("body with single quotes", $$"""{'userId':'{{Alice}}','asset':'USD','amount':'1.00'}"""),
            Malformed("body of white space", "   "),
            Malformed("body with a byte order mark", "") with { Body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(deposit)] },
            Malformed("body with an unescaped control character", "{\"userId\":\"" + Alice + "\",\"asset\":\"USD\",\"amount\":\"1.00\u0001\"}"),
            Deposit("body a JSON string", "\"x\"", "body"),
            Deposit("body a JSON boolean", "true", "body"),
            // Idempotency-Key: one key, in one header.
            Deposit("two idempotency key headers", deposit, "Idempotency-Key") with
            {
                IdempotencyKey = null, RawHeaderLines = [("Idempotency-Key", "two-a"), ("Idempotency-Key", "two-b")],
            },
            Deposit("idempotency key with a comma", deposit, "Idempotency-Key") with { IdempotencyKey = "two-a,two-b" },
            Deposit("idempotency key of two comma-separated keys", deposit, "Idempotency-Key") with { IdempotencyKey = "two-a, two-b" },
            // Content-Type: UTF-8 JSON only, stated once.
            Deposit("content type JSON in Latin-1", deposit, null, 415) with { ContentType = "application/json; charset=iso-8859-1", Code = "unsupported_media_type" },
            Deposit("content type XML", deposit, null, 415) with { ContentType = "application/xml", Code = "unsupported_media_type" },
            Deposit("two content type headers", deposit, null, 415) with
            {
                ContentType = null, Code = "unsupported_media_type", RawHeaderLines = [("Content-Type", "application/json"), ("Content-Type", "application/json")],
            },
        ];
    }

    /// <summary>Null when the answer is right; otherwise what was wrong with it.</summary>
    private static async Task<string?> WhatIsWrong(HttpClient client, BadRequest bad, ITestOutputHelper output)
    {
        var (status, mediaType, text) = bad.RawHeaderLines is null ? await Send(client, bad) : await SendRaw(client.BaseAddress!, bad);
        var said = $"{status} {Shorten(text)}";
        output.WriteLine($"{bad.Name}: {said}");
        if (status != bad.Status) return $"expected {bad.Status}, got {said}";
        if (mediaType != "application/problem+json") return $"not application/problem+json: {said}";

        var problem = JsonDocument.Parse(text).RootElement;
        if (problem.GetProperty("status").GetInt32() != status) return $"the problem's status is not the answer's: {said}";
        var errors = problem.TryGetProperty("errors", out var e) ? e : default;
        var hasMessage = problem.TryGetProperty("detail", out var detail) && detail.GetString()?.Length > 0
            || errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any();
        if (!hasMessage) return $"no detail nor field errors to tell the caller what is wrong: {said}";
        // The README promises a code on every refusal.
        var code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (string.IsNullOrEmpty(code)) return $"no code: {said}";
        if (bad.Code is not null && code != bad.Code) return $"expected code {bad.Code}: {said}";
        if (bad.Field is null) return null;
        if (status == 422) return code == bad.Field ? null : $"expected code {bad.Field}: {said}";
        return errors.ValueKind == JsonValueKind.Object && errors.TryGetProperty(bad.Field, out _) ? null : $"errors do not name {bad.Field}: {said}";
    }

    private static async Task<(int Status, string? MediaType, string Text)> Send(HttpClient client, BadRequest bad)
    {
        using var request = new HttpRequestMessage(bad.Method, bad.Path);
        if (bad.Body is not null)
        {
            request.Content = new ByteArrayContent(bad.Body);
            if (bad.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", bad.ContentType);
        }
        if (bad.Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bad.Token);
        if (bad.IdempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", bad.IdempotencyKey);
        if (bad.Header is var (name, value)) request.Headers.TryAddWithoutValidation(name, value);

        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The request written by hand as HTTP/1.0 (the answer then ends with the connection: no
    /// chunks to decode), with each of <see cref="BadRequest.RawHeaderLines"/> on a line of its own.</summary>
    private static async Task<(int Status, string? MediaType, string Text)> SendRaw(Uri api, BadRequest bad)
    {
        var head = new StringBuilder($"{bad.Method} {bad.Path} HTTP/1.0\r\nHost: {api.Authority}\r\n");
        if (bad.Token is not null) head.Append($"Authorization: Bearer {bad.Token}\r\n");
        if (bad.ContentType is not null) head.Append($"Content-Type: {bad.ContentType}\r\n");
        if (bad.IdempotencyKey is not null) head.Append($"Idempotency-Key: {bad.IdempotencyKey}\r\n");
        foreach (var (name, value) in bad.RawHeaderLines!) head.Append($"{name}: {value}\r\n");
        head.Append($"Content-Length: {bad.Body?.Length ?? 0}\r\n\r\n");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(api.Host, api.Port, deadline.Token);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), deadline.Token);
        if (bad.Body is not null) await stream.WriteAsync(bad.Body, deadline.Token);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, deadline.Token);

        var text = Encoding.UTF8.GetString(answer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = text[..split].Split("\r\n");
        var mediaType = lines.Skip(1).Select(line => line.Split(':', 2))
            .Where(header => header[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(header => header[1].Split(';')[0].Trim()).FirstOrDefault();
        return (int.Parse(lines[0].Split(' ')[1]), mediaType, text[(split + 4)..]);
    }

    private async Task GiveAliceMoneyAndAnOpenOrder()
    {
        var deadline = TimeSpan.FromSeconds(60);
        await Ledger.SendUntilDecided("/v1/deposits", new { userId = Alice, asset = "USD", amount = "100.00" }, "edge-setup-usd", deadline);
        await Ledger.SendUntilDecided("/v1/deposits", new { userId = Alice, asset = "BTC", amount = "1.00000000" }, "edge-setup-btc", deadline);
        var placed = await Ledger.SendUntilDecided("/v1/orders", new { orderId = AliceOrder, userId = Alice, market = "BTC-USD", side = "buy",
            price = "10.00", quantity = "1.00000000" }, "edge-setup-order", deadline);
        Assert.Equal(HttpStatusCode.Created, placed.Status);
        await Eventually.Until(async () => await Ledger.Postgres.Scalar<long>($"select count(*) from events where user_id = '{Alice}'") == 3,
            deadline, $"alice's deposits and order are projected\n{Ledger.Logs}");
    }

    /// <summary>A deposit to one user on each partition, sent after the bad requests; returns once all are projected.</summary>
    private async Task<HashSet<string>> SendMarkerToEveryPartition()
    {
        var partitions = Ledger.Kafka.Options.Partitions;
        var markers = Enumerable.Range(0, 10_000).Select(i => $"edge-marker-{i}")
            .GroupBy(user => UserPartitioner.PartitionOf(user, partitions)).OrderBy(g => g.Key).Select(g => g.First()).ToList();
        Assert.Equal(partitions, markers.Count);
        var commandIds = new List<string>();
        foreach (var marker in markers)
        {
            // Sent once (a retry would put a second record on the log): decided (201) or still being decided (202).
            var answer = await Ledger.Send("/v1/deposits", new { userId = marker, asset = "USD", amount = "0.01" }, $"marker-{marker}");
            Assert.True(answer.Status is HttpStatusCode.Created or HttpStatusCode.Accepted, $"marker {marker}: {answer.Status} {answer.Body}");
            commandIds.Add(answer.Body.GetProperty("commandId").GetString()!);
        }
        var ids = string.Join(",", commandIds.Select(id => $"'{id}'"));
        await Eventually.Until(async () => await Ledger.Postgres.Scalar<long>($"select count(*) from events where command_id in ({ids})") == markers.Count,
            TimeSpan.FromSeconds(60), $"every partition's marker is projected\n{Ledger.Logs}");
        return [.. markers];
    }

    private sealed record LedgerSnapshot(List<BalanceRow> Balances, long AcceptedEvents, long RejectedEvents, long CommandsSentToWriters);

    private sealed record BalanceRow(string UserId, string Asset, long Available, long Held);

    private async Task<LedgerSnapshot> Snapshot()
    {
        var balances = new List<BalanceRow>();
        await using (var source = Ledger.Postgres.DataSource())
        await using (var command = source.CreateCommand("select user_id, asset, available, held from balances order by user_id, asset"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) balances.Add(new BalanceRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return new LedgerSnapshot(balances,
            await Ledger.Postgres.Scalar<long>("select count(*) from events where rejection_code is null"),
            await Ledger.Postgres.Scalar<long>("select count(*) from events where rejection_code is not null"),
            await CommandsSentToWriters());
    }

    /// <summary>Every command the edge has sent to a writer: the records on ledger.commands (all
    /// partitions) plus the commands it handed to a writer in its own process, which skip the log.</summary>
    private async Task<long> CommandsSentToWriters()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(Ledger.Kafka.BootstrapServers, "edge-test-watermarks")).Build();
        var onLog = Enumerable.Range(0, Ledger.Kafka.Options.Partitions).Sum(p =>
            consumer.QueryWatermarkOffsets(new TopicPartition(Ledger.Kafka.Options.CommandsTopic, p), TimeSpan.FromSeconds(10)).High.Value);
        var handed = await Ledger.CommandsHandedInProcess();
        return onLog + handed;
    }

    private static string KeyFor(string caseName) => "edge-" + caseName.Replace(' ', '-');

    private static byte[] LargeBody(int bytes)
    {
        var prefix = Encoding.UTF8.GetBytes($$"""{"userId":"{{Alice}}","asset":"USD","amount":"1.00","padding":" """);
        var body = new byte[bytes];
        body.AsSpan().Fill((byte)'x');
        prefix.CopyTo(body, 0);
        "\"}"u8.CopyTo(body.AsSpan(bytes - 2));
        return body;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
