using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Api.ReadModel;
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

    /// <summary>Every tag an endpoint carries (WithTags), described once here.</summary>
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["Deposits"] = "Money arriving from outside, credited by the treasury.",
        ["Withdrawals"] = "Money leaving to outside, from a user's own available balance.",
        ["Orders"] = "Placing, cancelling and filling orders, and reading one.",
        ["Transfers"] = "Transfers between users: a saga across two partitions, exactly once.",
        ["Accounts"] = "An account's balances, postings and orders, from the read models.",
        ["Commands"] = "The recorded decision of a command.",
        ["Statistics"] = "Daily statistics per UTC day and asset.",
        ["ReadModel"] = "How far the projector has come on each partition of ledger.events.",
        ["Audit"] = "The audit of the live ledger.",
        ["Health"] = "Liveness and readiness, for orchestrators.",
        ["Operations"] = "Metrics and the dashboard, for operators.",
    };

    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Ledger API",
                Version = "v1",
                Description = "Commands move money (201 when decided, 202 while being decided, 422 when the ledger refuses); "
                    + "reads come from the read models with asOf. Every 4xx is RFC 9457 problem details with a code. "
                    + "Command bodies are strict: exact (case-sensitive) member names, no unknown or repeated members, "
                    + "strings only, one Idempotency-Key.",
                // No licence file in the repository: nothing is granted.
                License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
            };
            // A tag missing here stays undescribed, and ApiDocsTests' linter says so.
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                if (Tags.TryGetValue(tag.Name ?? "", out var description)) tag.Description = description;
            // The server is this request's own address; lint and clients expect it without a trailing '/'.
            foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
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
            else
            {
                operation.Security = []; // public on purpose (README: keep it on an internal network), not forgotten
            }
            if (operation.RequestBody is OpenApiRequestBody body) body.Required = true;
            // RequestHeadersLimit answers every path.
            operation.Responses ??= [];
            operation.Responses.TryAdd("431", new OpenApiResponse
            {
                Description = "Request Header Fields Too Large: over Commands:RequestHeadersBytesMax (code headers_too_large)",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", context.Document) },
                },
            });
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                if (parameter.Name != CommandFields.IdempotencyKeyHeader) continue;
                parameter.Required = true;
                parameter.Description = $"Scoped to the user: at most {CommandFields.IdempotencyKeyLengthMax} printable ASCII characters.";
                DescribeHeader(operation, "201", ConsistencyToken.Header,
                    "Where the decision stands in the log: send it back on a read to read this write (also consistencyToken in the body).");
                DescribeHeader(operation, "422", ConsistencyToken.Header, "As on 201: the refusal is projected too.");
            }
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ConsistentReads.Metadata>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = ConsistencyToken.Header,
                    In = ParameterLocation.Header,
                    Description = "A token a command's answer gave: the read waits (at most Postgres:ConsistencyWaitMax, 2 s by default) "
                        + "until the read models include that decision. 400 invalid_consistency_token when it is not one.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                DescribeHeader(operation, "200", ConsistencyToken.ReachedHeader,
                    "Only when a token was sent: true when the read includes its decision, false when the wait ran out (the read answers what it has).");
            }
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (CommandBodyMembers(context.JsonTypeInfo.Type) is { } members) DescribeCommandBody(schema, members);
            return Task.CompletedTask;
        });
    });

    private static void DescribeHeader(OpenApiOperation operation, string status, string name, string description)
    {
        if (operation.Responses?.GetValueOrDefault(status) is not OpenApiResponse response) return;
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }

    /// <summary>A command body's members, when <paramref name="type"/> is one (read once per document, not per request).</summary>
    private static IReadOnlyList<BodyMember>? CommandBodyMembers(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommandBody<>))
            ? (IReadOnlyList<BodyMember>)type.GetProperty(nameof(ICommandBody<MoneyMovementBody>.Members))!.GetValue(null)!
            : null;

    /// <summary>The schema <see cref="CommandBody{TBody}"/> enforces, from the same member list: strings only,
    /// never null, no other members.</summary>
    private static void DescribeCommandBody(OpenApiSchema schema, IReadOnlyList<BodyMember> members)
    {
        schema.Type = JsonSchemaType.Object;
        schema.AdditionalPropertiesAllowed = false;
        schema.Required = members.Where(m => !m.Optional).Select(m => m.Name).ToHashSet();
        schema.Properties = members.ToDictionary(m => m.Name, IOpenApiSchema (m) => m.Value == MemberValue.Amount
            ? new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = "^[0-9]+(\\.[0-9]+)?$",
                Description = "A decimal string in the asset's scale, never a JSON number: \"1.00\".",
            }
            : new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 });
    }

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
