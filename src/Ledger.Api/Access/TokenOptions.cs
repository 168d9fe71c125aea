namespace Ledger.Api.Access;

/// <summary>How bearer tokens are checked ("Auth" section). Tokens are JWTs signed with HMAC-SHA256
/// (HS256) by whoever issues them (in local mode: `./ledger token`). There is no default key:
/// the Api refuses to start without one, so no deployment can run on a well-known secret.</summary>
public sealed class TokenOptions
{
    public const string Section = "Auth";

    /// <summary>Smallest signing key accepted: HS256 needs at least 256 bits.</summary>
    public const int SigningKeyBytesMin = 32;

    /// <summary>The HS256 key, base64. Secret: pass it through the environment (Auth__SigningKey) or a secret store.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "ledger";
    public string Audience { get; set; } = "ledger";

    /// <summary>How far apart the issuer's clock and ours may be when checking expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public byte[] SigningKeyBytes() => Convert.FromBase64String(SigningKey!);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(SigningKey))
            errors.Add("Auth:SigningKey is required (base64, at least 32 bytes); local mode keeps one in .data/jwt-signing.key");
        else
        {
            var bytes = new byte[SigningKey.Length];
            if (!Convert.TryFromBase64String(SigningKey, bytes, out var length))
                errors.Add("Auth:SigningKey must be base64");
            else if (length < SigningKeyBytesMin)
                errors.Add($"Auth:SigningKey must decode to at least {SigningKeyBytesMin} bytes (it has {length})");
        }
        if (string.IsNullOrWhiteSpace(Issuer)) errors.Add("Auth:Issuer must not be empty");
        if (string.IsNullOrWhiteSpace(Audience)) errors.Add("Auth:Audience must not be empty");
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5)) errors.Add("Auth:ClockSkew must be between 0 and 5 minutes");
        return errors;
    }
}
