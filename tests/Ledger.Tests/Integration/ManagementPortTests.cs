using System.Net;
using Ledger.Api.Hosting;
using Ledger.Tests.Support;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>With Management__Port, the operations endpoints answer on that port only, so a deployment
/// can publish the API's port and keep metrics, the dashboard, lag and the API's documents internal.</summary>
public sealed class ManagementPortTests
{
    private static readonly string[] ManagementPaths =
        ["/metrics", "/dashboard", "/v1/dashboard/summary", "/v1/projection/lag", "/openapi/v1.json", "/docs/index.html"];

    [Fact]
    public async Task operations_paths_are_refused_on_the_public_port_and_answer_on_the_management_port()
    {
        var managementPort = LedgerProcess.FreePort();
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Management__Port"] = managementPort.ToString(),
        });
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(30) };
        using var bare = new HttpClient { BaseAddress = ledger.Api!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        foreach (var path in ManagementPaths)
        {
            using var onPublic = await bare.GetAsync(path);
            Assert.True(onPublic.StatusCode == HttpStatusCode.NotFound, $"{path} on the public port: {(int)onPublic.StatusCode}");
            // The Host header is the caller's to choose: naming the management port changes nothing.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = $"127.0.0.1:{managementPort}" } };
            using var spoofedAnswer = await bare.SendAsync(spoofed);
            Assert.Equal(HttpStatusCode.NotFound, spoofedAnswer.StatusCode);

            using var onManagement = await management.GetAsync(path);
            Assert.True(onManagement.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"{path} on the management port: {(int)onManagement.StatusCode}");
        }

        // Health answers on both; the API itself on the public port (and for the dashboard's reads, on the management port too).
        foreach (var client in new[] { bare, management })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        using var statistics = new HttpRequestMessage(HttpMethod.Get, "/v1/stats/daily?from=2026-01-01&to=2026-01-31")
        {
            Headers = { Authorization = ledger.Bearer("analyst-1", "analyst") },
        };
        Assert.Equal(HttpStatusCode.OK, (await bare.SendAsync(statistics)).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:9090")]
    [InlineData("http://0.0.0.0:8080", "http://0.0.0.0:9090")]
    [InlineData("http://+:8080/", "http://+:9090")]
    [InlineData("http://[::]:8080", "http://[::]:9090")]
    [InlineData("http://localhost", "http://localhost:9090")]
    public void the_management_port_listens_on_the_addresses_of_the_api(string url, string expected) =>
        Assert.Equal(expected, ManagementPort.WithPort(url, 9090));

    [Fact]
    public void the_api_urls_come_from_aspnetcore_urls_then_http_ports()
    {
        Assert.Equal(["http://0.0.0.0:8080", "http://[::]:8080"], ManagementPort.PublicUrls(Configuration(("urls", "http://0.0.0.0:8080; http://[::]:8080"))));
        Assert.Equal(["http://*:8080"], ManagementPort.PublicUrls(Configuration(("http_ports", "8080"))));
        Assert.Equal(["http://localhost:5000"], ManagementPort.PublicUrls(Configuration()));
    }

    [Fact]
    public void a_management_port_that_is_also_the_api_port_or_out_of_range_stops_the_start()
    {
        var same = Assert.Throws<InvalidOperationException>(() => Builder(("urls", "http://127.0.0.1:8080"), ("Management:Port", "8080")).AddManagementPort());
        Assert.Contains("Management:Port 8080 is also the API's port", same.Message);
        var range = Assert.Throws<InvalidOperationException>(() => Builder(("Management:Port", "70000")).AddManagementPort());
        Assert.Contains("Management:Port must be between 1 and 65535", range.Message);
    }

    private static Microsoft.AspNetCore.Builder.WebApplicationBuilder Builder(params (string Key, string Value)[] values)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        foreach (var (key, value) in values) builder.Configuration[key] = value;
        return builder;
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
