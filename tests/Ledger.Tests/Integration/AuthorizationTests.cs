using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>One running Ledger whose Api logs authentication at Debug, so the tests can show that no
/// token or key reaches a log line even when logging is verbose.</summary>
public sealed class AuthorizedLedger : IAsyncLifetime
{
    public RunningLedger Ledger { get; private set; } = null!;

    /// <summary>alice's first deposit and her order, made by their rightful callers before the matrix runs.</summary>
    public string AliceCommandId { get; private set; } = "";
    public const string AliceOrderId = "order-auth-1";

    public async Task InitializeAsync()
    {
        Ledger = await RunningLedger.Start(partitions: 2, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        });
        var deposit = await Ledger.SendUntilDecided("/v1/deposits", new { userId = "alice", asset = "USD", amount = "1000.00" },
            "auth-deposit", TimeSpan.FromSeconds(30));
        AliceCommandId = deposit.Body.GetProperty("commandId").GetString()!;
        await Ledger.SendUntilDecided("/v1/orders", new { orderId = AliceOrderId, userId = "alice", market = "BTC-USD", side = "buy",
            price = "10.00", quantity = "1.00000000" }, "auth-order", TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync() => await Ledger.DisposeAsync();
}

/// <summary>Who may do what: every endpoint against every role, one user's token on another user's
/// account, and tokens that are missing, expired, forged or meant for someone else.</summary>
public sealed class AuthorizationTests(AuthorizedLedger shared) : IClassFixture<AuthorizedLedger>, IDisposable
{
    private RunningLedger Ledger => shared.Ledger;

    /// <summary>A client without the suite's default admin token: each request carries only what the test gives it.</summary>
    private readonly HttpClient _bare = new() { BaseAddress = shared.Ledger.Api!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _bare.Dispose();

    /// <summary>Every endpoint that needs a token, with the callers it serves. "alice" is the account's
    /// own user; "bob" is another user. Commands here are for alice's account.</summary>
    public static readonly (string Name, HttpMethod Method, string Path, object? Body, string[] Allowed)[] Endpoints =
    [
        ("deposit", HttpMethod.Post, "/v1/deposits", new { userId = "alice", asset = "USD", amount = "1.00" }, ["treasury"]),
        ("withdrawal", HttpMethod.Post, "/v1/withdrawals", new { userId = "alice", asset = "USD", amount = "0.01" }, ["alice"]),
        ("order", HttpMethod.Post, "/v1/orders", new { userId = "alice", market = "BTC-USD", side = "buy", price = "1.00", quantity = "0.00000001" }, ["alice"]),
        ("cancel", HttpMethod.Post, "/v1/orders/order-none/cancel", new { userId = "alice" }, ["alice"]),
        ("fill", HttpMethod.Post, "/v1/orders/order-none/fills", new { userId = "alice", fillId = "fill-1", market = "BTC-USD", side = "buy", quantity = "0.00000001", price = "1.00" }, ["engine"]),
        ("transfer", HttpMethod.Post, "/v1/transfers", new { fromUserId = "alice", toUserId = "bob", asset = "USD", amount = "0.01" }, ["alice"]),
        ("balances", HttpMethod.Get, "/v1/accounts/alice/balances", null, ["alice", "admin"]),
        ("entries", HttpMethod.Get, "/v1/accounts/alice/entries", null, ["alice", "admin"]),
        ("account orders", HttpMethod.Get, "/v1/accounts/alice/orders", null, ["alice", "admin"]),
        ("order", HttpMethod.Get, $"/v1/orders/{AuthorizedLedger.AliceOrderId}?userId=alice", null, ["alice", "admin"]),
        ("transfer", HttpMethod.Get, "/v1/transfers/transfer-none?fromUserId=alice", null, ["alice", "admin"]),
        ("daily statistics", HttpMethod.Get, "/v1/stats/daily?from=2026-01-01&to=2026-01-31", null, ["analyst", "admin"]),
        ("user statistics", HttpMethod.Get, "/v1/stats/daily/users/alice?from=2026-01-01&to=2026-01-31", null, ["analyst", "admin"]),
        ("audit", HttpMethod.Get, "/v1/audit", null, ["admin"]),
    ];

    /// <summary>The callers: a user on their own account, another user, and each other role.</summary>
    public static readonly (string Name, string Sub, string Role)[] Callers =
    [
        ("alice", "alice", "user"), ("bob", "bob", "user"), ("treasury", "treasury-1", "treasury"),
        ("engine", "engine-1", "engine"), ("analyst", "analyst-1", "analyst"), ("admin", "admin-1", "admin"),
    ];

    public static TheoryData<int, int> Matrix()
    {
        var data = new TheoryData<int, int>();
        for (var endpoint = 0; endpoint < Endpoints.Length; endpoint++)
            for (var caller = 0; caller < Callers.Length; caller++) data.Add(endpoint, caller);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task each_role_reaches_only_its_endpoints_and_a_user_only_their_own_account(int endpoint, int caller)
    {
        var (name, method, path, body, allowed) = Endpoints[endpoint];
        var (callerName, sub, role) = Callers[caller];
        using var response = await Send(method, path, body, Ledger.Tokens.For(sub, role));
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var what = $"{callerName} ({role}) on {method} {name} {path}: {status} {text}";

        if (allowed.Contains(callerName))
        {
            Assert.True(status is not (401 or 403), what);
            Assert.True(status < 500, what);
        }
        else
        {
            Assert.True(status == 403, what);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task no_token_is_answered_401_on_every_endpoint()
    {
        foreach (var (name, method, path, body, _) in Endpoints)
        {
            using var response = await Send(method, path, body, token: null);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {name}: {(int)response.StatusCode} {text}");
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Contains("bearer token is required", text);
        }
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "expired", "has expired" },
        { "signed with another key", "signature does not verify" },
        { "from another issuer", "issuer is not accepted" },
        { "for another audience", "audience is not accepted" },
        { "unsigned (alg none)", "signature does not verify" },
        { "not a JWT", "not a valid signed JWT" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task a_bad_token_is_answered_401_with_the_reason(string kind, string reason)
    {
        var token = BadToken(kind);
        var user = "bad-token-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(kind)))[..8].ToLowerInvariant();
        using var response = await Send(HttpMethod.Post, "/v1/deposits", new { userId = user, asset = "USD", amount = "1.00" }, token);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{kind}: {(int)response.StatusCode} {text}");
        Assert.Contains(reason, text);
        Assert.DoesNotContain(token, text);
        Assert.Equal(0, await Ledger.Postgres.Scalar<long>($"select count(*) from events where user_id = '{user}'"));
    }

    [Fact]
    public async Task a_user_reads_the_decision_of_their_own_command_only()
    {
        var path = $"/v1/commands/{shared.AliceCommandId}";
        using var treasury = await Send(HttpMethod.Get, path, null, Ledger.Tokens.For("treasury-1", "treasury"));
        Assert.Equal(HttpStatusCode.OK, treasury.StatusCode);
        using var alice = await Send(HttpMethod.Get, path, null, Ledger.Tokens.For("alice", "user"));
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        using var bob = await Send(HttpMethod.Get, path, null, Ledger.Tokens.For("bob", "user"));
        Assert.Equal(HttpStatusCode.NotFound, bob.StatusCode);
        using var analyst = await Send(HttpMethod.Get, path, null, Ledger.Tokens.For("analyst-1", "analyst"));
        Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
    }

    [Fact]
    public async Task operations_endpoints_answer_without_a_token()
    {
        foreach (var path in new[] { "/health/live", "/health/ready", "/metrics", "/v1/projection/lag", "/v1/dashboard/summary" })
        {
            using var response = await _bare.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task no_token_or_key_appears_in_any_log_line()
    {
        var tokens = new List<string>();
        foreach (var (_, sub, role) in Callers) tokens.Add(Ledger.Tokens.For(sub, role));
        foreach (var kind in BadTokens().Select(row => (string)row[0])) tokens.Add(BadToken(kind));
        foreach (var token in tokens)
        {
            using var response = await Send(HttpMethod.Post, "/v1/withdrawals", new { userId = "alice", asset = "USD", amount = "0.01" }, token);
            using var read = await Send(HttpMethod.Get, "/v1/accounts/alice/balances", null, token);
        }

        var logs = Ledger.Logs;
        Assert.Contains("Bearer", logs); // the authentication handler did log at Debug: the check below means something
        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, logs);
            if (token.Split('.') is [_, _, { Length: > 0 } signature]) Assert.DoesNotContain(signature, logs); // not even the signature
        }
        Assert.DoesNotContain(Ledger.Tokens.SigningKey, logs);
    }

    [Fact]
    public async Task a_token_from_ledger_token_opens_its_own_account_only()
    {
        var data = Directory.CreateTempSubdirectory("ledger-token-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(data.FullName, "jwt-signing.key"), Ledger.Tokens.SigningKey);
            var token = RunLedgerToken(data.FullName, "--sub", "alice", "--role", "user");

            using var own = await Send(HttpMethod.Get, "/v1/accounts/alice/balances", null, token);
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            using var other = await Send(HttpMethod.Get, "/v1/accounts/bob/balances", null, token);
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static string RunLedgerToken(string dataDirectory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "ledger"));
        start.ArgumentList.Add("token");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["LEDGER_DATA"] = dataDirectory;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "./ledger token finishes");
        Assert.True(process.ExitCode == 0, $"./ledger token: exit {process.ExitCode}: {error}");
        return output.Trim();
    }

    private string BadToken(string kind) => kind switch
    {
        "expired" => Ledger.Tokens.For("alice", "treasury", lifetime: TimeSpan.FromHours(-1)),
        "signed with another key" => Ledger.Tokens.For("alice", "treasury", key: RandomNumberGenerator.GetBytes(32)),
        "from another issuer" => Ledger.Tokens.For("alice", "treasury", issuer: "someone-else"),
        "for another audience" => Ledger.Tokens.For("alice", "treasury", audience: "another-service"),
        "unsigned (alg none)" => Unsigned("""{"alg":"none","typ":"JWT"}""",
            $$"""{"sub":"alice","role":"treasury","iss":"ledger","aud":"ledger","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}"""),
        "not a JWT" => "this-is-not-a-token",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string Unsigned(string header, string payload) =>
        $"{Base64Url(header)}.{Base64Url(payload)}.";

    private static string Base64Url(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
            request.Headers.Add("Idempotency-Key", "auth-" + Guid.NewGuid().ToString("N"));
        }
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return _bare.SendAsync(request);
    }
}
