using System.Security.Cryptography;
using Ledger.Api.Access;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Tests.Support;

/// <summary>Signs bearer tokens the way an issuer (or `./ledger token`) does: HS256 with a key made
/// for one test ledger, so no test depends on a fixed secret.</summary>
public sealed class TestTokens
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(TokenOptions.SigningKeyBytesMin);

    public string SigningKey => Convert.ToBase64String(_key);

    public string For(string sub, string role, TimeSpan? lifetime = null, byte[]? key = null,
        string issuer = "ledger", string audience = "ledger")
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires < now ? expires.AddMinutes(-1) : now,
            NotBefore = expires < now ? expires.AddMinutes(-1) : now,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = sub, ["role"] = role },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? _key), SecurityAlgorithms.HmacSha256),
        });
    }
}
