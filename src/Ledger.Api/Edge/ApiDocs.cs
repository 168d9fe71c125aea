using Ledger.Api.Access;
using Ledger.Api.Commands;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace Ledger.Api.Edge;

/// <summary>The OpenAPI document of every endpoint at /openapi/v1.json, and a page to try the API
/// from a browser at /docs (Swagger UI, served from the package: no files from the internet).
/// Both answer without a token; neither shows account data.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePrefix = "docs";
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Ledger API",
                Version = "v1",
                Description = "Commands move money (201 when decided, 202 while being decided, 422 when the ledger refuses); "
                    + "reads come from the read models with asOf. Every 4xx is RFC 9457 problem details.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "HS256 JWT with iss and aud \"ledger\", an expiry, sub (the user id, for users) and role "
                    + "(user, engine, treasury, analyst, admin). Local mode: ./ledger token --sub alice --role user",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
                .Select(a => a.Policy).OfType<string>().ToList();
            if (policies.Count > 0)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                var roles = policies.SelectMany(p => Policies.RolesAllowed[p]).Distinct();
                operation.Description = $"{operation.Description} Roles: {string.Join(", ", roles)}.".Trim();
            }
            // Bodies bind to nullable records so a missing one is the edge's own 400, but every command needs one.
            if (operation.RequestBody is OpenApiRequestBody body) body.Required = true;
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.Name != CommandFields.IdempotencyKeyHeader) continue;
                parameter.Required = true;
                parameter.Description = $"Scoped to the user: at most {CommandFields.IdempotencyKeyLengthMax} printable ASCII characters.";
            }
            return Task.CompletedTask;
        });
    });

    public static IEndpointRouteBuilder MapApiDocument(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi(DocumentPath.Replace("v1", "{documentName}"));
        return routes;
    }

    public static IApplicationBuilder UseApiPage(this IApplicationBuilder app) => app.UseSwaggerUI(page =>
    {
        page.RoutePrefix = PagePrefix;
        page.DocumentTitle = "Ledger API";
        page.SwaggerEndpoint(DocumentPath, "Ledger API v1");
    });
}
