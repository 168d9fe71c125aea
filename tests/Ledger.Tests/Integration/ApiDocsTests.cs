using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Api.Hosting;
using Ledger.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>The OpenAPI document describes every endpoint the Api maps (compared with the endpoints
/// themselves, so neither can drift) and passes a real linter without a warning, and the page to try
/// the API answers, with nothing from the internet.</summary>
[Collection(EdgeLedger.Name)]
public sealed partial class ApiDocsTests(SharedLedger shared) : IDisposable
{
    /// <summary>No token: both are anonymous.</summary>
    private readonly HttpClient _anonymous = new() { BaseAddress = shared.Ledger.Api!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _anonymous.Dispose();

    [Fact]
    public async Task the_openapi_document_describes_every_mapped_endpoint()
    {
        var endpoints = await MappedEndpoints();
        using var response = await _anonymous.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        var document = JsonDocument.Parse(text).RootElement;
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());

        var paths = document.GetProperty("paths");
        var documented = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Path: Normal(path.Name), Method: operation.Name.ToUpperInvariant())))
            .ToHashSet();
        Assert.Equal(endpoints.Select(e => (e.Path, e.Method)).ToHashSet(), documented);

        foreach (var (path, method, secured) in endpoints)
        {
            var operation = paths.EnumerateObject().Single(p => Normal(p.Name) == path).Value.GetProperty(method.ToLowerInvariant());
            var what = $"{method} {path}: {operation}";
            Assert.True(operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0, $"no summary: {what}");
            var responses = operation.GetProperty("responses");
            Assert.True(responses.EnumerateObject().Any(), $"no responses: {what}");
            Assert.Equal(secured, operation.TryGetProperty("security", out var security)
                && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("Bearer", out _)));
            if (!path.StartsWith("/v1/", StringComparison.Ordinal) || !secured) continue;

            // Every /v1 endpoint behind a token says how it refuses: problem details, 400 with field errors for what it takes.
            Assert.True(responses.TryGetProperty("401", out var unauthenticated) && responses.TryGetProperty("403", out _), what);
            Assert.True(unauthenticated.GetProperty("content").TryGetProperty("application/problem+json", out _), what);
            if (operation.TryGetProperty("parameters", out _) || operation.TryGetProperty("requestBody", out _))
                Assert.True(responses.TryGetProperty("400", out var invalid) && invalid.GetProperty("content").TryGetProperty("application/problem+json", out _), what);
            if (method != "POST") continue;
            var requestBody = operation.GetProperty("requestBody");
            Assert.True(requestBody.GetProperty("required").GetBoolean() && requestBody.GetProperty("content").TryGetProperty("application/json", out _), what);
            Assert.Contains(operation.GetProperty("parameters").EnumerateArray(), p =>
                p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header" && p.GetProperty("required").GetBoolean());
            foreach (var status in new[] { "201", "202", "413", "415", "422", "429", "503" }) Assert.True(responses.TryGetProperty(status, out _), $"no {status}: {what}");
        }
    }

    /// <summary>Redocly's recommended rules, the linter pinned in tools/openapi-lint (./ledger test installs
    /// it): no error and no warning, so a client generator or a reviewer meets no surprise.</summary>
    [Fact]
    public async Task the_openapi_document_passes_the_linter_without_an_error_or_a_warning()
    {
        var linter = Path.Combine(Repository.Root, "tools", "openapi-lint", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(linter), $"{linter} is missing: ./ledger test installs it (npm ci in tools/openapi-lint)");
        var document = Path.Combine(Path.GetTempPath(), $"ledger-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, await _anonymous.GetStringAsync("/openapi/v1.json"));
        try
        {
            var (exitCode, output, errors) = await Run(linter, ["lint", document, "--format=json"], LinterDeadline);
            var report = JsonDocument.Parse(output).RootElement;
            var totals = report.GetProperty("totals");
            var problems = report.GetProperty("problems").EnumerateArray().Select(p =>
                $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} "
                + $"at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}").ToList();
            Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0 && exitCode == 0,
                $"the linter (exit {exitCode}) found:\n{string.Join("\n", problems)}\n{errors}");
        }
        finally
        {
            File.Delete(document);
        }
    }

    private static readonly TimeSpan LinterDeadline = TimeSpan.FromMinutes(2);

    private static async Task<(int ExitCode, string Output, string Errors)> Run(string program, string[] arguments, TimeSpan deadline)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // No usage reports or update checks from a test run.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {deadline}");
        }
        return (process.ExitCode, await output, await errors);
    }

    [Fact]
    public async Task the_page_to_try_the_api_is_served_from_this_process()
    {
        using var response = await _anonymous.GetAsync("/docs/index.html");
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {page}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);

        // Every script and style it loads comes from this process (the machine may have no internet).
        var assets = AssetReference().Matches(page).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(assets);
        Assert.DoesNotContain(assets, url => url.Contains("//", StringComparison.Ordinal));
        var served = page;
        foreach (var asset in assets)
        {
            using var loaded = await _anonymous.GetAsync(new Uri(new Uri(_anonymous.BaseAddress!, "/docs/"), asset));
            Assert.True(loaded.StatusCode == HttpStatusCode.OK, $"{asset}: {loaded.StatusCode}");
            served += await loaded.Content.ReadAsStringAsync();
        }
        Assert.Contains("/openapi/v1.json", served); // the page opens this API's document
    }

    [GeneratedRegex("""(?:src|href)="(?<url>[^"#]+\.(?:js|css))""")]
    private static partial Regex AssetReference();

    /// <summary>The endpoints the Api maps, read from an in-process app built exactly as Program.cs builds
    /// it (never started): method, route pattern, and whether it needs a token. The document itself is left out.</summary>
    private async Task<List<(string Path, string Method, bool Secured)>> MappedEndpoints()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(shared.Ledger.Environment.Select(setting =>
            new KeyValuePair<string, string?>(setting.Key.Replace("__", ":"), setting.Value)));
        builder.AddLedgerApi();
        await using var app = builder.Build();
        app.MapLedgerEndpoints();
        return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != "/openapi/{documentName}.json")
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(method =>
                (Normal(e.RoutePattern.RawText!), method, e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any())))];
    }

    private static string Normal(string path) => "/" + path.Trim('/');
}
