using Ledger.Api.Commands;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Api.Access;

/// <summary>Bearer-token authentication (JWT, HS256) and the role policies. Failures are answered as
/// ProblemDetails that say what is wrong with the token, never the token itself.</summary>
public static class AccessServices
{
    public static IServiceCollection AddLedgerAccess(this IServiceCollection services, TokenOptions tokens)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            bearer.MapInboundClaims = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = tokens.Issuer,
                ValidAudience = tokens.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(tokens.SigningKeyBytes()),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                ClockSkew = tokens.ClockSkew,
                NameClaimType = AccountAccess.SubjectClaim,
                RoleClaimType = "role",
            };
            bearer.Events = new JwtBearerEvents
            {
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

    private static string WhyNotAuthenticated(Exception? failure) => failure switch
    {
        null => "A bearer token is required: Authorization: Bearer <JWT>.",
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The bearer token's signature does not verify.",
        SecurityTokenInvalidIssuerException => "The bearer token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The bearer token's audience is not accepted.",
        SecurityTokenNoExpirationException => "The bearer token must have an expiry (exp).",
        _ => "The bearer token is not a valid signed JWT.",
    };
}
