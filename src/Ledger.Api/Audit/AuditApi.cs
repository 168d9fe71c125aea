using Confluent.Kafka;
using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Hosting;
using Npgsql;

namespace Ledger.Api.Audit;

/// <summary>GET /v1/audit: the audit of the live ledger, {"ok": true|false, "asOf", "covers", "checks"}.
/// Admins only. 200 whatever it found (ok says); 503 when Kafka or PostgreSQL could not be read; 429
/// while another audit runs in this process.</summary>
public static class AuditApi
{
    public static IServiceCollection AddAudit(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(StartupOptions.Bind<AuditOptions>(configuration, AuditOptions.Section, o => o.Errors()))
            .AddSingleton<LedgerAudit>();

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/audit", Audit).WithName("audit").WithTags("Audit").RequireAuthorization(Policies.Audit) // admins only
            .WithSummary("Audit the live ledger")
            .WithDescription("Postings, the balance cache against a replay, the event store against ledger.events. 200 whatever it finds (ok says).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<IResult> Audit(LedgerAudit audit, HttpContext http, CancellationToken cancellation)
    {
        try
        {
            var report = await audit.TryRun(cancellation);
            if (report is not null) return TypedResults.Ok(report);
            http.Response.Headers.RetryAfter = "5";
            return CommandAnswers.Problem(StatusCodes.Status429TooManyRequests, "audit_running", "An audit is already running; try again later.");
        }
        catch (Exception error) when (error is KafkaException or NpgsqlException or TimeoutException)
        {
            http.Response.Headers.RetryAfter = "5";
            return CommandAnswers.Problem(StatusCodes.Status503ServiceUnavailable, "audit_unavailable",
                $"The audit could not read the ledger: {error.Message}");
        }
    }
}
