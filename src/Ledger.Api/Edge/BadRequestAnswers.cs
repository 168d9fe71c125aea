using System.Text.Json;
using Ledger.Api.Commands;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Edge;

/// <summary>
/// Requests ASP.NET Core refuses before a handler runs, answered as RFC 9457 problems that say what
/// is wrong: a body that is not JSON, JSON of the wrong shape or types (a field that must be a string,
/// a body that must be an object), invalid UTF-8, the wrong Content-Type (415), a body over the limit
/// (413). Minimal APIs throw these as <see cref="BadHttpRequestException"/> (RouteHandlerOptions.
/// ThrowOnBadRequest); anything else stays a 500 for the default handler.
/// </summary>
public sealed class BadRequestAnswers(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellation)
    {
        if (exception is not BadHttpRequestException bad || http.Response.HasStarted) return false;
        http.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json ? JsonProblem(json) : new ProblemDetails
        {
            Status = bad.StatusCode,
            Detail = Explanation(http, bad.StatusCode) ?? bad.Message,
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = bad });
    }

    /// <summary>Every body here is a JSON object of strings: a value of another JSON type, or a string
    /// that is not UTF-8 (System.Text.Json meets that while converting it), names its field.</summary>
    private static ProblemDetails JsonProblem(JsonException json)
    {
        if (json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && json.Path is { } path)
        {
            var field = path == "$" ? "body" : ValidationProblems.FieldName(path.TrimStart('$', '.'));
            var message = path == "$" ? "must be a JSON object"
                : json.InnerException is InvalidOperationException or System.Text.DecoderFallbackException ? "is not valid UTF-8 text"
                : "must be a JSON string (amounts too: \"100.00\")";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = ValidationProblems.Title,
                Detail = ValidationProblems.Detail,
                Extensions = { ["code"] = "invalid_request" },
            };
        }
        return new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON; nothing was applied.",
            Detail = $"{Reason(json.Message)} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).",
            Extensions = { ["code"] = "malformed_json" },
        };
    }

    /// <summary>System.Text.Json's message without its own location suffix, which we give in words.</summary>
    private static string Reason(string message)
    {
        var end = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (end < 0) end = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.', ' ');
    }

    /// <summary>Fills in what a bodiless error status means, for problems written by the status code
    /// pages (routing's 404 and 405, Kestrel's 413) and by the binding failures above.</summary>
    public static void Explain(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null || problem.Status is not { } status) return;
        problem.Detail = Explanation(context.HttpContext, status);
    }

    private static string? Explanation(HttpContext http, int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed; nothing was applied.",
        StatusCodes.Status404NotFound => $"No endpoint answers {http.Request.Method} {http.Request.Path}; see /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => $"{http.Request.Path} does not answer {http.Request.Method}; see /openapi/v1.json.",
        StatusCodes.Status413PayloadTooLarge =>
            $"The request body is larger than {http.RequestServices.GetRequiredService<IOptions<CommandOptions>>().Value.RequestBodyBytesMax} bytes; nothing was applied.",
        StatusCodes.Status415UnsupportedMediaType =>
            $"The body must be JSON sent with Content-Type: application/json (it was '{http.Request.ContentType}'); nothing was applied.",
        _ => null,
    };
}
