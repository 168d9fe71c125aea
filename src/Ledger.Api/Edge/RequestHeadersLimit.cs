using Ledger.Api.Commands;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ledger.Api.Edge;

/// <summary>
/// Oversized request headers get a 431 problem that says the limit. Kestrel refuses headers past its
/// own limit before any middleware runs, with an empty 431; so Kestrel's limit is set to twice the
/// edge's (<see cref="CommandOptions.RequestHeadersBytesMax"/>), and this middleware refuses what lies
/// between with a clear answer. Header bytes that are not UTF-8 would also be refused by Kestrel with
/// an empty 400: they are read as Latin-1 instead, so the edge's own rules (every header it reads is
/// ASCII) refuse them with a problem.
/// </summary>
public static class RequestHeadersLimit
{
    public static void ApplyTo(KestrelServerOptions kestrel, CommandOptions commands)
    {
        kestrel.Limits.MaxRequestHeadersTotalSize = checked(2 * commands.RequestHeadersBytesMax);
        kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
    }

    public static IApplicationBuilder UseRequestHeadersLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<CommandOptions>>().Value.RequestHeadersBytesMax;
        return app.Use(async (http, next) =>
        {
            var size = http.Request.Headers.Sum(h => h.Key.Length + h.Value.Sum(v => (v?.Length ?? 0) + 4));
            if (size <= limit)
            {
                await next(http);
                return;
            }
            http.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status431RequestHeaderFieldsTooLarge,
                    Detail = $"The request's headers are about {size} bytes; at most {limit} are accepted. Nothing was applied.",
                    Extensions = { ["code"] = "headers_too_large" },
                },
            });
        });
    }
}
