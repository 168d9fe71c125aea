using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Ledger.Tests.Support;

/// <summary>The audit of a running test ledger, through GET /v1/audit and through the CLI
/// (`dotnet Ledger.Api.dll audit`, what `./ledger audit` runs).</summary>
public static class LedgerAuditing
{
    /// <summary>GET /v1/audit until it answers 200 (it answers 503 while PostgreSQL or Kafka cannot be read).</summary>
    public static async Task<JsonElement> Audit(this RunningLedger ledger, TimeSpan? deadline = null)
    {
        JsonElement report = default;
        await Eventually.Until(async () =>
        {
            try
            {
                using var response = await ledger.Http.GetAsync("/v1/audit");
                if (response.StatusCode != HttpStatusCode.OK) return false;
                report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                return true;
            }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, deadline ?? TimeSpan.FromSeconds(60), "GET /v1/audit answers 200");
        return report;
    }

    public static bool IsOk(this JsonElement report) => report.GetProperty("ok").GetBoolean();

    public static JsonElement Check(this JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The checks that failed, with their examples, for an assertion's message.</summary>
    public static string Failures(this JsonElement report) => string.Join('\n', report.GetProperty("checks").EnumerateArray()
        .Where(c => !c.GetProperty("ok").GetBoolean())
        .Select(c => $"{c.GetProperty("name").GetString()}: {c.GetProperty("differences").GetInt64()} differ\n  " +
                     string.Join("\n  ", c.GetProperty("examples").EnumerateArray().Select(e => e.GetString()))));

    /// <summary>Runs `dotnet Ledger.Api.dll audit` against the ledger: its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> AuditFromCommandLine(this RunningLedger ledger)
    {
        var start = new ProcessStartInfo("dotnet", [Repository.Dll("Ledger.Api"), "audit"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in ledger.Environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }
}
