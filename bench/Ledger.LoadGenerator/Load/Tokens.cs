using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ledger.LoadGenerator.Load;

/// <summary>
/// Bearer tokens as the Api's authentication expects them: HS256 JWTs with sub (the user id), role
/// (user, treasury for deposits, engine for fills), issuer and audience "ledger". Made once before a
/// run, one per user, from the same base64 signing key the Api is given, so the run measures the
/// Api's checking of tokens but not the generator's making of them.
/// </summary>
public sealed class Tokens
{
    public const string Issuer = "ledger";
    public const string Audience = "ledger";
    public const string TreasuryId = "bench-treasury";
    public const string EngineId = "bench-engine";

    private readonly string[] _users; // index = rank - 1
    public string Treasury { get; }
    public string Engine { get; }

    public Tokens(byte[] signingKey, int users, Func<int, string> userIdOf, TimeSpan lifetime, DateTimeOffset now)
    {
        if (signingKey.Length < 32) throw new ArgumentException("the signing key must have at least 256 bits");
        _users = new string[users];
        for (var rank = 1; rank <= users; rank++) _users[rank - 1] = Mint(signingKey, userIdOf(rank), "user", now, lifetime);
        Treasury = Mint(signingKey, TreasuryId, "treasury", now, lifetime);
        Engine = Mint(signingKey, EngineId, "engine", now, lifetime);
    }

    public string User(int rank) => _users[rank - 1];

    public static string Mint(byte[] key, string subject, string role, DateTimeOffset now, TimeSpan lifetime)
    {
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["role"] = role,
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds() - 60,
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
        }));
        var signed = $"{header}.{claims}";
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed)));
        return $"{signed}.{signature}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
