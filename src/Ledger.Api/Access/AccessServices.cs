using Ledger.Api.Commands;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Api.Access;

/// <summary>Bearer-token authentication (JWT: an identity provider's RS256/ES256, or a shared HS256 key) and the role policies. Failures are answered as
/// ProblemDetails that say what is wrong with the token, never the token itself.</summary>
public static class AccessServices
{
    public static IServiceCollection AddLedgerAccess(this IServiceCollection services, TokenOptions tokens)
    {
        var validated = new ValidatedTokens(tokens, TimeProvider.System);
        services.AddSingleton(validated);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            bearer.MapInboundClaims = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAudience = tokens.Audience,
                RequireExpirationTime = true,
                ClockSkew = tokens.ClockSkew,
                NameClaimType = AccountAccess.SubjectClaim,
                RoleClaimType = tokens.RoleClaim,
            };
            if (tokens.FromIdentityProvider) UseIdentityProvider(bearer, tokens);
            else
            {
                bearer.TokenValidationParameters.ValidIssuer = tokens.Issuer;
                bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(tokens.SigningKeyBytes());
                bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
            bearer.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    if (validated.Enabled && ValidatedTokens.TokenOf(context.Request) is { Length: > 0 } token && validated.Find(token) is { } principal)
                    {
                        context.Principal = principal;
                        context.Success();
                    }
                    return Task.CompletedTask;
                },
                OnTokenValidated = context =>
                {
                    if (context.SecurityToken is JsonWebToken jwt && context.Principal is { } principal)
                        validated.Remember(jwt.EncodedToken, principal, jwt.ValidTo);
                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await CommandAnswers.Problem(401, "unauthenticated", WhyNotAuthenticated(context.AuthenticateFailure))
                        .ExecuteAsync(context.HttpContext);
                },
                OnForbidden = context => CommandAnswers.Problem(403, "forbidden",
                    "This token's role may not use this endpoint.").ExecuteAsync(context.HttpContext),
            };
        });
        services.AddAuthorization(authorization =>
        {
            foreach (var (policy, roles) in Policies.RolesAllowed)
                authorization.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        });
        return services;
    }

    /// <summary>Keys and issuer from the provider's discovery document and JWKS. A token naming a key
    /// not yet known makes JwtBearer read the keys again (at most once per KeyRefreshInterval), so a
    /// rotation needs no restart: publish the new key, then sign with it.</summary>
    private static void UseIdentityProvider(JwtBearerOptions bearer, TokenOptions tokens)
    {
        bearer.Authority = tokens.Authority;
        bearer.RequireHttpsMetadata = tokens.RequireHttpsMetadata;
        bearer.RefreshOnIssuerKeyNotFound = true;
        bearer.RefreshInterval = tokens.KeyRefreshInterval;
        bearer.AutomaticRefreshInterval = tokens.KeyAutomaticRefreshInterval;
        bearer.TokenValidationParameters.ValidAlgorithms = TokenOptions.ProviderAlgorithms;
    }

    private static string WhyNotAuthenticated(Exception? failure) => failure switch
    {
        null => "A bearer token is required: Authorization: Bearer <JWT>.",
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The bearer token's signature does not verify.",
        SecurityTokenInvalidIssuerException => "The bearer token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The bearer token's audience is not accepted.",
        SecurityTokenNoExpirationException => "The bearer token must have an expiry (exp).",
        SecurityTokenInvalidAlgorithmException => "The bearer token's signing algorithm is not accepted.",
        // JwtBearer could not read the identity provider's discovery document or keys.
        InvalidOperationException => "The identity provider's signing keys could not be read; try again later.",
        _ => "The bearer token is not a valid signed JWT.",
    };
}
