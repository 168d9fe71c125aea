using System.Diagnostics;

namespace Ledger.Tests.Support;

/// <summary>Prometheus' own linter (Debian's prometheus package, installed by ./ledger test):
/// `promtool check metrics` reads a /metrics page on standard input and prints what it would change.</summary>
public static class Promtool
{
    public static async Task<(int ExitCode, string Problems)> CheckMetrics(string page)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("promtool is not installed: run ./ledger test (it installs Debian's prometheus) or apt-get install prometheus");
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(page);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("promtool did not finish within 60 s");
        }
        return (process.ExitCode, await output + await errors);
    }
}
