using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Tests.Support;

/// <summary>An OpenID Connect identity provider as far as a resource server sees one: a discovery
/// document and a JWKS on loopback HTTP, with keys made for one test. The test decides which keys
/// are published (<see cref="Publish"/>), which is how a provider rotates them.</summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private volatile SecurityKey[] _published = [];

    public TestIdentityProvider()
    {
        Authority = $"http://127.0.0.1:{FreePort()}";
        _listener.Prefixes.Add(Authority + "/");
        _listener.Start();
        _serving = Task.Run(Serve);
    }

    /// <summary>The issuer URL: what Auth__Authority names and what tokens carry as `iss`.</summary>
    public string Authority { get; }

    /// <summary>Requests for the JWKS so far: a rotation shows as a new read.</summary>
    public int KeySetReads => _keySetReads;
    private int _keySetReads;

    public static SecurityKey NewRsaKey(string keyId) => new RsaSecurityKey(RSA.Create(2048)) { KeyId = keyId };
    public static SecurityKey NewEcKey(string keyId) => new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = keyId };

    /// <summary>From now on the JWKS holds exactly these keys' public halves.</summary>
    public void Publish(params SecurityKey[] keys) => _published = keys;

    public string Token(SecurityKey key, string sub, string[] roles, string audience, TimeSpan? lifetime = null,
        string? issuer = null, string roleClaim = "roles")
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        var algorithm = key is RsaSecurityKey ? SecurityAlgorithms.RsaSha256 : SecurityAlgorithms.EcdsaSha256;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Authority,
            Audience = audience,
            IssuedAt = expires < now ? expires.AddMinutes(-5) : now,
            NotBefore = expires < now ? expires.AddMinutes(-5) : now,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = sub, [roleClaim] = roles },
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var path = context.Request.Url!.AbsolutePath;
            var body = path switch
            {
                "/.well-known/openid-configuration" => JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["issuer"] = Authority,
                    ["jwks_uri"] = Authority + "/jwks",
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
                }),
                "/jwks" => KeySet(),
                _ => null,
            };
            context.Response.StatusCode = body is null ? 404 : 200;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? "{}");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private string KeySet()
    {
        Interlocked.Increment(ref _keySetReads);
        return JsonSerializer.Serialize(new { keys = _published.Select(PublicJwk).ToArray() });
    }

    private static Dictionary<string, string> PublicJwk(SecurityKey key) => key switch
    {
        RsaSecurityKey rsa when rsa.Rsa.ExportParameters(false) is var p => new()
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = rsa.KeyId,
            ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!),
        },
        ECDsaSecurityKey ec when ec.ECDsa.ExportParameters(false) is var p => new()
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = ec.KeyId, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!),
        },
        _ => throw new ArgumentException("RSA and EC keys only", nameof(key)),
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
