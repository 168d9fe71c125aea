namespace Ledger.Api.Access;

/// <summary>How bearer tokens are checked ("Auth" section). Either an identity provider's: JWTs signed
/// with RS256 or ES256 by keys it publishes (OpenID Connect discovery and JWKS at <see cref="Authority"/>);
/// or a shared key's: JWTs signed with HMAC-SHA256 (HS256) by whoever holds it (local mode:
/// `./ledger token`). Exactly one of the two. There is no default key: the Api refuses to start
/// without one, so no deployment can run on a well-known secret.</summary>
public sealed class TokenOptions
{
    public const string Section = "Auth";

    /// <summary>Smallest signing key accepted: HS256 needs at least 256 bits.</summary>
    public const int SigningKeyBytesMin = 32;

    /// <summary>The HS256 key, base64. Secret: pass it through the environment (Auth__SigningKey) or a secret store.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The identity provider (OpenID Connect issuer URL): its discovery document
    /// (/.well-known/openid-configuration) names the issuer tokens must carry and its signing keys (JWKS).</summary>
    public string? Authority { get; set; }

    /// <summary>Refuse an <see cref="Authority"/> reached over plain HTTP. Off only for a provider on
    /// loopback or a private network the operator trusts (the suite's own test provider).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Shortest time between two reads of the provider's keys when a token names a key not
    /// yet known (a rotation): a token signed by a new key is accepted at most this long after it is published.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = KeyRefreshIntervalDefault;
    public static readonly TimeSpan KeyRefreshIntervalDefault = TimeSpan.FromMinutes(5);

    /// <summary>How often the provider's discovery document and keys are read again regardless.</summary>
    public TimeSpan KeyAutomaticRefreshInterval { get; set; } = KeyAutomaticRefreshIntervalDefault;
    public static readonly TimeSpan KeyAutomaticRefreshIntervalDefault = TimeSpan.FromHours(12);

    /// <summary>Algorithms accepted from an identity provider.</summary>
    public static readonly string[] ProviderAlgorithms = ["RS256", "ES256"];

    /// <summary>The claim that carries the token's roles (a string or an array of strings):
    /// `role` by default, e.g. `roles` for providers that name it so.</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>What `iss` must say with a shared key. With an <see cref="Authority"/>, the issuer is
    /// the one its discovery document names.</summary>
    public string Issuer { get; set; } = "ledger";
    public string Audience { get; set; } = "ledger";

    /// <summary>How far apart the issuer's clock and ours may be when checking expiry.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a token already validated is taken on sight (<see cref="ValidatedTokens"/>),
    /// never past its own expiry; zero checks every request's token in full.</summary>
    public TimeSpan ValidatedTokensTtl { get; set; } = ValidatedTokensTtlDefault;
    public static readonly TimeSpan ValidatedTokensTtlDefault = TimeSpan.FromSeconds(60);

    /// <summary>Most tokens kept as validated at once.</summary>
    public int ValidatedTokensMax { get; set; } = ValidatedTokensMaxDefault;
    public const int ValidatedTokensMaxDefault = 100_000;

    public byte[] SigningKeyBytes() => Convert.FromBase64String(SigningKey!);

    public bool FromIdentityProvider => !string.IsNullOrWhiteSpace(Authority);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (FromIdentityProvider) ProviderErrors(errors);
        else if (string.IsNullOrWhiteSpace(SigningKey))
            errors.Add("Auth:SigningKey or Auth:Authority is required (SigningKey: base64, at least 32 bytes; local mode keeps one in .data/jwt-signing.key)");
        else
        {
            var bytes = new byte[SigningKey.Length];
            if (!Convert.TryFromBase64String(SigningKey, bytes, out var length))
                errors.Add("Auth:SigningKey must be base64");
            else if (length < SigningKeyBytesMin)
                errors.Add($"Auth:SigningKey must decode to at least {SigningKeyBytesMin} bytes (it has {length})");
        }
        if (string.IsNullOrWhiteSpace(Issuer)) errors.Add("Auth:Issuer must not be empty");
        if (string.IsNullOrWhiteSpace(RoleClaim)) errors.Add("Auth:RoleClaim must not be empty");
        if (string.IsNullOrWhiteSpace(Audience)) errors.Add("Auth:Audience must not be empty");
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5)) errors.Add("Auth:ClockSkew must be between 0 and 5 minutes");
        if (ValidatedTokensTtl < TimeSpan.Zero || ValidatedTokensTtl > TimeSpan.FromMinutes(10))
            errors.Add("Auth:ValidatedTokensTtl must be between 0 (off) and 10 minutes");
        if (ValidatedTokensMax is < 1 or > 10_000_000) errors.Add("Auth:ValidatedTokensMax must be between 1 and 10,000,000");
        return errors;
    }

    private void ProviderErrors(List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(SigningKey))
            errors.Add("Auth:SigningKey and Auth:Authority are both set: tokens come either from an identity provider or from a shared key");
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            errors.Add("Auth:Authority must be an absolute https URL (the identity provider's issuer)");
        else if (authority.Scheme == "http" && RequireHttpsMetadata)
            errors.Add("Auth:Authority is plain http: use https, or set Auth:RequireHttpsMetadata=false for a provider on a network you trust");
        if (KeyRefreshInterval < TimeSpan.FromSeconds(1) || KeyRefreshInterval > TimeSpan.FromDays(1))
            errors.Add("Auth:KeyRefreshInterval must be between 1 second and 1 day");
        if (KeyAutomaticRefreshInterval < TimeSpan.FromMinutes(1) || KeyAutomaticRefreshInterval > TimeSpan.FromDays(7))
            errors.Add("Auth:KeyAutomaticRefreshInterval must be between 1 minute and 7 days");
    }
}
