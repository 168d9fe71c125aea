using System.Diagnostics;
using Ledger.Observability;

namespace Ledger.Api.Observability;

/// <summary>
/// Per request: a correlation id (the caller's X-Correlation-Id when it is a plain token, else the
/// request's trace identifier) that becomes HttpContext.TraceIdentifier, is answered as
/// X-Correlation-Id, scopes every log line of the request and travels on the command's Kafka
/// headers; and the request's duration by route pattern (never the raw path) and status.
/// </summary>
public static class HttpObservability
{
    public const string CorrelationHeader = "X-Correlation-Id";
    private const int CorrelationIdLengthMax = 128;

    public static IApplicationBuilder UseHttpObservability(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<ApiMetrics>();
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ledger.Api.Http");
        return app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var correlationId = IsValid(http.Request.Headers[CorrelationHeader].ToString())
                ? http.Request.Headers[CorrelationHeader].ToString()
                : http.TraceIdentifier;
            http.TraceIdentifier = correlationId;
            http.Response.Headers[CorrelationHeader] = correlationId;
            if (LedgerTracing.Api.HasListeners() && Activity.Current is { IsAllDataRequested: true } span)
                span.SetTag(LedgerTracing.CorrelationIdTag, correlationId);
            using var scope = log.BeginScope("Correlation id {CorrelationId}", correlationId);
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                await next(http);
                status = http.Response.StatusCode;
            }
            catch (BadHttpRequestException bad)
            {
                // Bad input the exception handler answers with its own 4xx: count it as that, not as a 500.
                status = bad.StatusCode;
                throw;
            }
            finally
            {
                var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Answered(http.Request.Method, route, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        });
    }

    /// <summary>1 to 128 characters of letters, digits and - _ . : (nothing that could forge a log line).</summary>
    public static bool IsValid(string? correlationId) =>
        !string.IsNullOrEmpty(correlationId) && correlationId.Length <= CorrelationIdLengthMax
        && correlationId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
