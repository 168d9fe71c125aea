using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Integration;

/// <summary>/metrics, health, correlation ids and the dashboard, against one running Ledger.</summary>
public sealed class ObservabilityTests(SharedLedger shared, ITestOutputHelper output) : IClassFixture<SharedLedger>
{
    private RunningLedger Ledger => shared.Ledger;

    [Fact]
    public async Task api_and_projector_expose_commands_latency_and_lag_as_prometheus_text()
    {
        await Deposit("metrics-user", count: 3);

        using var response = await Ledger.Http.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var api = await response.Content.ReadAsStringAsync();
        output.WriteLine(api);
        Assert.Matches(@"ledger_api_commands_received_total\{type=""Deposit""\} [1-9]", api);
        Assert.Matches(@"ledger_api_commands_accepted_total\{type=""Deposit""\} [1-9]", api);
        Assert.Contains("ledger_api_decision_duration_seconds_bucket{type=\"Deposit\",le=\"+Inf\"}", api);
        Assert.Contains("ledger_http_server_request_duration_seconds_count{method=\"POST\",route=\"/v1/deposits\",status=\"201\"}", api);
        Assert.Contains("ledger_api_refusals_total{status=\"429\"} 0", api);
        Assert.Contains("ledger_api_commands_in_flight 0", api);
        Assert.Contains("# TYPE ledger_writer_transaction_duration_seconds histogram", api);
        Assert.Contains("process_cpu_seconds_total ", api);
        Assert.DoesNotMatch(@"_ms(_bucket|_sum|_count)?[{ ]", api);
        await Eventually.Until(async () => Regex.Matches(await Ledger.Http.GetStringAsync("/metrics"), @"^ledger_writer_consumer_lag\{partition=""\d+""\} \d+$", RegexOptions.Multiline).Count == 4,
            TimeSpan.FromSeconds(10), "the writers publish the consumer lag of each of the 4 partitions");

        using var projector = new HttpClient { BaseAddress = Ledger.Projector!.BaseAddress };
        await Eventually.Until(async () =>
        {
            var text = await projector.GetStringAsync("/metrics");
            return text.Contains("ledger_projector_events_total ") && text.Contains("ledger_projector_lag_latest_seconds{partition=")
                && Regex.Matches(text, @"^ledger_projector_consumer_lag\{partition=""\d+""\} \d+$", RegexOptions.Multiline).Count == 4;
        }, TimeSpan.FromSeconds(15), $"the projector publishes events, projection lag and consumer lag\n{Ledger.Logs}");
    }

    [Fact]
    public async Task promtool_finds_nothing_to_fix_in_either_metrics_page()
    {
        await Deposit("promtool-user", count: 2);
        using var projector = new HttpClient { BaseAddress = Ledger.Projector!.BaseAddress };
        await Eventually.Until(async () => (await projector.GetStringAsync("/metrics")).Contains("ledger_projector_events_total "),
            TimeSpan.FromSeconds(15), $"the projector has projected something\n{Ledger.Logs}");
        foreach (var (name, http) in new[] { ("api", Ledger.Http), ("projector", projector) })
        {
            var page = await http.GetStringAsync("/metrics");
            var (exitCode, problems) = await Promtool.CheckMetrics(page);
            Assert.True(exitCode == 0 && problems.Trim().Length == 0, $"promtool check metrics on the {name}'s /metrics (exit {exitCode}):\n{problems}");
        }
    }

    [Fact]
    public async Task both_processes_are_ready_with_every_check_passing()
    {
        using var projector = new HttpClient { BaseAddress = Ledger.Projector!.BaseAddress };
        foreach (var http in new[] { Ledger.Http, projector })
        {
            using var response = await http.GetAsync("/health/ready");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.All(body.GetProperty("checks").EnumerateObject(), check => Assert.True(check.Value.GetBoolean(), check.Name));
            Assert.True(body.GetProperty("checks").TryGetProperty("postgres", out _));
        }
    }

    [Fact]
    public async Task a_request_correlation_id_reaches_the_projector_logs()
    {
        var correlationId = "test-correlation-" + Guid.NewGuid().ToString("N");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { userId = "correlated-user", asset = "USD", amount = "1.00" }),
        };
        request.Headers.Add("Idempotency-Key", "correlated-1");
        request.Headers.Add("X-Correlation-Id", correlationId);
        request.Headers.Authorization = Ledger.Bearer("treasury", "treasury");
        using var response = await Ledger.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-Id").Single());
        await Eventually.Until(() => Task.FromResult(Ledger.Projector!.Output.Contains(correlationId)),
            TimeSpan.FromSeconds(15), $"the projector logs the batch with the correlation id\n{Ledger.Logs}");
        var line = Ledger.Projector!.Output.Split('\n').First(l => l.Contains(correlationId));
        Assert.Equal("Ledger.Projector.Projection.ProjectorGroupMember", JsonDocument.Parse(line).RootElement.GetProperty("Category").GetString());
    }

    [Fact]
    public async Task an_invalid_correlation_id_is_replaced()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.TryAddWithoutValidation("X-Correlation-Id", "bad id\"with quotes");
        using var response = await Ledger.Http.SendAsync(request);
        var answered = response.Headers.GetValues("X-Correlation-Id").Single();
        Assert.NotEqual("bad id\"with quotes", answered);
        Assert.False(string.IsNullOrEmpty(answered));
    }

    [Fact]
    public async Task the_dashboard_draws_throughput_and_latency_in_headless_chromium()
    {
        await Deposit("dashboard-user", count: 10);
        await Eventually.Until(async () =>
        {
            var samples = (await Ledger.GetJson("/v1/dashboard/summary")).GetProperty("samples").EnumerateArray().ToList();
            return samples.Any(s => s.GetProperty("commandsPerSecond").GetDouble() > 0)
                && samples.Any(s => s.GetProperty("decisionP99Ms").ValueKind == JsonValueKind.Number);
        }, TimeSpan.FromSeconds(10), "the dashboard history has throughput and latency");

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        await Eventually.Until(async () => (await Ledger.GetJson($"/v1/stats/daily?from={today}&to={today}")).GetProperty("days").GetArrayLength() > 0,
            TimeSpan.FromSeconds(30), "today's statistics are projected");

        var dom = await DumpDom(new Uri(Ledger.Api!.BaseAddress, "/dashboard#token=" + Ledger.Tokens.For("analyst-1", "analyst")));

        Assert.True(ChartPoints(dom, "chart-throughput") > 0, $"throughput chart has no points:\n{dom}");
        Assert.True(ChartMax(dom, "chart-throughput") > 0, $"throughput chart shows no commands:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-latency") > 0, $"latency chart has no points:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-lag") > 0, $"lag chart has no partitions:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-projection") > 0, $"projection lag chart has no points:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-projector-lag") > 0, $"projector lag chart has no partitions:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-daily-movements") > 0, $"the analysts' daily chart has no days:\n{dom}");
        Assert.True(ChartPoints(dom, "chart-daily-users") > 0, $"the active users chart has no days:\n{dom}");

        // Every chart says what its axes are: time or partition or day, and the unit of its values.
        foreach (var (chart, x, y) in new[]
        {
            ("chart-throughput", "time (UTC)", "commands/s"), ("chart-latency", "time (UTC)", "ms"),
            ("chart-refusals", "time (UTC)", "requests/s"), ("chart-projection", "time (UTC)", "s"),
            ("chart-lag", "partition", "commands"), ("chart-projector-lag", "partition", "events"),
            ("chart-daily-movements", "day (UTC, month-day)", "commands"), ("chart-daily-users", "day (UTC, month-day)", "users"),
        })
        {
            var svg = ChartContent(dom, chart);
            Assert.True(svg.Contains($"class=\"axis-label x\">{x}</text>"), $"{chart} has no x-axis title \"{x}\":\n{svg}");
            Assert.True(svg.Contains($"class=\"axis-label y\">{y}</text>"), $"{chart} has no y-axis unit \"{y}\":\n{svg}");
            Assert.True(Regex.IsMatch(svg, "class=\"tick x\">[^<]+</text>"), $"{chart} has no labelled x ticks:\n{svg}");
            Assert.True(Regex.IsMatch(svg, "class=\"tick y\">[^<]+</text>"), $"{chart} has no labelled y ticks:\n{svg}");
        }
        Assert.Matches(@"class=""tick x"">\d\d:\d\d:00</text>", ChartContent(dom, "chart-throughput")); // minutes, UTC
        Assert.Contains("deposits (count)", dom); // counts across assets say they are counts
        Assert.Contains("<th>active users</th>", dom);
    }

    [Fact]
    public async Task the_dashboard_draws_two_minutes_without_samples_as_a_gap_not_a_ramp()
    {
        // The page as the Api serves it, fed a history with a two-minute hole: 10 s at 25 ms, nothing,
        // then 10 s at 995 ms. The latency line must be two lines, not one joining them.
        var page = await Ledger.Http.GetStringAsync("/dashboard");
        var end = DateTimeOffset.UtcNow;
        var samples = Enumerable.Range(0, 11).Select(i => end.AddSeconds(-140 + i)).Select(at => (at, p99: 25.0))
            .Concat(Enumerable.Range(0, 11).Select(i => end.AddSeconds(-10 + i)).Select(at => (at, p99: 995.0)))
            .Select(s => new { at = s.at, commandsPerSecond = 5.0, decisionP99Ms = s.p99, refusalsPerSecond = 0.0 });
        var summary = JsonSerializer.Serialize(new
        {
            intervalSeconds = 1, latencyWindowSeconds = 10, samples, writerLag = Array.Empty<object>(),
            projectorLag = Array.Empty<object>(), projectionLagSeconds = (double?)null,
        });
        await using var site = await StubSite.Start(new Dictionary<string, (int, string, string)>
        {
            ["/dashboard"] = (200, "text/html; charset=utf-8", page),
            ["/v1/dashboard/summary"] = (200, "application/json", summary),
        });

        var dom = await DumpDom(new Uri(site.BaseAddress, "/dashboard"));

        Assert.Equal("22", ChartAttribute(dom, "chart-latency", "data-points"));
        Assert.True(ChartAttribute(dom, "chart-latency", "data-segments") == "2", $"the latency line crosses the gap:\n{ChartContent(dom, "chart-latency")}");
        Assert.Equal("2", ChartAttribute(dom, "chart-throughput", "data-segments"));
    }

    private static string ChartContent(string dom, string id)
    {
        var element = Regex.Match(dom, $"<svg[^>]*id=\"{id}\"[^>]*>.*?</svg>", RegexOptions.Singleline);
        return element.Success ? element.Value : throw new Xunit.Sdk.XunitException($"no chart {id} in the page:\n{dom}");
    }

    private async Task Deposit(string userId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await Ledger.Post("/v1/deposits", new { userId, asset = "USD", amount = "1.00" }, $"{userId}-{i}");
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}\n{Ledger.Logs}");
        }
    }

    private static int ChartPoints(string dom, string id) =>
        int.Parse(ChartAttribute(dom, id, "data-points") ?? throw new Xunit.Sdk.XunitException($"no chart {id} in the page:\n{dom}"));

    private static double ChartMax(string dom, string id) =>
        double.Parse(ChartAttribute(dom, id, "data-max") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    private static string? ChartAttribute(string dom, string id, string attribute)
    {
        var element = Regex.Match(dom, $"<svg[^>]*id=\"{id}\"[^>]*>");
        if (!element.Success) return null;
        var value = Regex.Match(element.Value, $"{attribute}=\"([^\"]*)\"");
        return value.Success ? value.Groups[1].Value : null;
    }

    /// <summary>Loads the page in Debian's headless Chromium (installed by ./ledger test) and returns
    /// the DOM after its scripts ran.</summary>
    private static async Task<string> DumpDom(Uri page)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("chromium is not installed: run ./ledger test (it installs Debian's chromium) or apt-get install chromium");
        var profile = Directory.CreateTempSubdirectory("ledger-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                $"--user-data-dir={profile.FullName}", "--virtual-time-budget=10000", "--dump-dom", page.ToString(),
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await process.WaitForExitAsync(deadline.Token); }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"chromium did not finish within 60 s:\n{await errors}");
            }
            var dom = await output;
            if (process.ExitCode != 0 || dom.Length == 0)
                throw new Xunit.Sdk.XunitException($"chromium exited with {process.ExitCode}:\n{await errors}");
            return dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
