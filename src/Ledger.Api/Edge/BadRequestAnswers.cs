using System.Text.Json;
using Ledger.Api.Commands;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Edge;

/// <summary>
/// Requests refused before their fields are judged, answered as RFC 9457 problems that say what is
/// wrong and carry a <c>code</c>: a body that is not JSON (<see cref="CommandBody{TBody}"/> reads
/// command bodies), the wrong Content-Type (415), a body over the limit (413), an unknown path (404)
/// or method (405). Minimal APIs throw binding failures of other parameters (a read's query) as
/// <see cref="BadHttpRequestException"/> (RouteHandlerOptions.ThrowOnBadRequest); anything else
/// stays a 500 for the default handler.
/// </summary>
public sealed class BadRequestAnswers(IProblemDetailsService problems) : IExceptionHandler
{
    public const string MalformedJsonTitle = "The request body is not valid JSON; nothing was applied.";

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellation)
    {
        if (exception is not BadHttpRequestException bad || http.Response.HasStarted) return false;
        http.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json ? MalformedJsonProblem(json) : StatusProblem(http, bad.StatusCode, bad.Message);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = bad });
    }

    /// <summary>A refusal by status alone (413, 415, ...), with the detail and code that status has here.</summary>
    public static IResult Refusal(HttpContext http, int status) => TypedResults.Problem(StatusProblem(http, status, null));

    public static IResult MalformedJson(JsonException json) => TypedResults.Problem(MalformedJsonProblem(json));

    public static IResult MalformedJson(string reason) => TypedResults.Problem(MalformedJsonProblem($"{reason}."));

    private static ProblemDetails MalformedJsonProblem(JsonException json) =>
        MalformedJsonProblem($"{Reason(json.Message)} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).");

    private static ProblemDetails MalformedJsonProblem(string detail) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = MalformedJsonTitle,
        Detail = detail,
        Extensions = { ["code"] = "malformed_json" },
    };

    private static ProblemDetails StatusProblem(HttpContext http, int status, string? fallback) => new()
    {
        Status = status,
        Detail = Explanation(http, status) ?? fallback,
        Extensions = { ["code"] = CodeOf(status) },
    };

    /// <summary>System.Text.Json's message without its own location suffix, which we give in words.</summary>
    private static string Reason(string message)
    {
        var end = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (end < 0) end = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.', ' ');
    }

    /// <summary>Fills in what a bodiless error status means, and its code, for problems written by the
    /// status code pages (routing's 404, 405 and 415) and by anything else that gave only a status.</summary>
    public static void Explain(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status is not { } status) return;
        problem.Detail ??= Explanation(context.HttpContext, status);
        if (CodeOf(status) is { } code) problem.Extensions.TryAdd("code", code);
    }

    /// <summary>The code of a refusal that has no more specific one. Null for statuses that are not refusals.</summary>
    private static string? CodeOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status413PayloadTooLarge => "body_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "headers_too_large",
        >= 400 and < 500 => "refused",
        _ => null,
    };

    private static string? Explanation(HttpContext http, int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed; nothing was applied.",
        StatusCodes.Status404NotFound => $"No endpoint answers {http.Request.Method} {http.Request.Path}; see /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => $"{http.Request.Path} does not answer {http.Request.Method}; see /openapi/v1.json.",
        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly; nothing was applied.",
        StatusCodes.Status413PayloadTooLarge =>
            $"The request body is larger than {http.RequestServices.GetRequiredService<IOptions<CommandOptions>>().Value.RequestBodyBytesMax} bytes; nothing was applied.",
        StatusCodes.Status415UnsupportedMediaType =>
            $"The body must be UTF-8 JSON sent with Content-Type: application/json (charset utf-8, if any; it was '{http.Request.ContentType}'); nothing was applied.",
        _ => null,
    };
}
