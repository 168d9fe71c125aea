using System.Text.RegularExpressions;
using Ledger.Api.Edge;
using Ledger.Hosting;

namespace Ledger.Api.Hosting;

/// <summary>Where the operations endpoints answer ("Management" section). With a port, the Api also
/// listens there, on the addresses of its own URLs, and the operations paths (metrics, the dashboard,
/// projection lag, the API's documents) answer there only: a deployment publishes the API's port and
/// keeps this one on its internal network. Without one (local mode), everything answers on every port.</summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    /// <summary>0: no management port.</summary>
    public int Port { get; set; }

    public IReadOnlyList<string> Errors() =>
        Port is < 0 or > 65535 ? ["Management:Port must be between 1 and 65535 (0 for none)"] : [];
}

public static class ManagementPort
{
    /// <summary>Paths that carry no account data but are for operators, not clients. Health answers on
    /// every port: orchestrators probe whichever they reach.</summary>
    public static readonly string[] Paths =
        ["/metrics", "/dashboard", "/v1/dashboard", "/v1/projection/lag", "/openapi", "/" + ApiDocs.PagePrefix];

    public static bool IsManagementPath(PathString path) =>
        Paths.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    public static WebApplicationBuilder AddManagementPort(this WebApplicationBuilder builder)
    {
        var management = StartupOptions.Bind<ManagementOptions>(builder.Configuration, ManagementOptions.Section, o => o.Errors());
        builder.Services.AddSingleton(management);
        if (management.Port == 0) return builder;
        var urls = PublicUrls(builder.Configuration);
        if (urls.Any(url => PortOf(url) == management.Port))
            throw new InvalidOperationException($"Configuration is not valid: Management:Port {management.Port} is also the API's port ({string.Join(";", urls)})");
        builder.WebHost.UseUrls([.. urls, .. urls.Select(url => WithPort(url, management.Port)).Distinct()]);
        return builder;
    }

    /// <summary>Refuses the operations paths on every port but the management port, as if they were
    /// not there (404). By the connection's local port, not the Host header, which a caller chooses.</summary>
    public static IApplicationBuilder UseManagementPort(this IApplicationBuilder app)
    {
        var management = app.ApplicationServices.GetRequiredService<ManagementOptions>();
        if (management.Port == 0) return app;
        return app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort != management.Port && IsManagementPath(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound; // the status-code page writes the problem
                return;
            }
            await next(context);
        });
    }

    /// <summary>The URLs ASP.NET Core would listen on: ASPNETCORE_URLS (urls), else ASPNETCORE_HTTP_PORTS, else its default.</summary>
    internal static string[] PublicUrls(IConfiguration configuration)
    {
        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls)) return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = configuration["http_ports"];
        if (!string.IsNullOrWhiteSpace(ports))
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"http://*:{port}").ToArray();
        return ["http://localhost:5000"];
    }

    private static readonly Regex HostAndPort = new(@"^(?<origin>[a-z]+://[^/]*?)(:(?<port>\d+))?(?<rest>/.*)?$", RegexOptions.IgnoreCase);

    internal static string WithPort(string url, int port)
    {
        var match = HostAndPort.Match(url);
        if (!match.Success) throw new InvalidOperationException($"Configuration is not valid: cannot read the API's URL {url}");
        return $"{match.Groups["origin"].Value}:{port}";
    }

    private static int? PortOf(string url)
    {
        var match = HostAndPort.Match(url);
        return match.Success && match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value) : null;
    }
}
