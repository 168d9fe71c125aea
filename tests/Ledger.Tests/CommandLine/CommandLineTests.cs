using System.Diagnostics;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.CommandLine;

/// <summary>The ./ledger scripts, run by bash with stand-ins for dotnet where a real build or a real
/// local Kafka would be slow or would touch the suite's own build: what the help says, where the build's
/// output goes, and the order `up` stops its processes in.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ledger-scripts-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task help_says_that_up_resets_the_local_database_as_the_readme_does()
    {
        var (exitCode, output, _) = await Bash("\"$LEDGER_ROOT/ledger\" help");
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("PostgreSQL data stays", output);
        Assert.Contains("each `up` also resets the database \"ledger\"", output);
        Assert.Contains("resets the local database `ledger`", await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md")));
    }

    /// <summary>./ledger tail and ./ledger rebuild print their own output on stdout; the build before it
    /// must not mix in (it printed "Build succeeded." and its counts there).</summary>
    [Fact]
    public async Task the_build_writes_nothing_on_stdout()
    {
        StandIn("dotnet", """
            echo "Build succeeded."
            echo "    0 Warning(s)"
            """);
        var (exitCode, output, errors) = await Bash("source \"$LEDGER_ROOT/scripts/lib.sh\"; ledger_build");
        Assert.True(exitCode == 0, errors);
        Assert.Equal("", output);
        Assert.Contains("Build succeeded.", errors);
    }

    /// <summary>Stopped at the same moment, the services logged hundreds of "Connection refused" while
    /// the local Kafka was already gone; the services must have ended before Kafka is told to stop.</summary>
    [Fact]
    public async Task up_stops_the_services_first_and_the_local_kafka_after_them()
    {
        var stops = Path.Combine(_folder.FullName, "stops.log");
        StandIn("dotnet", """
            # The local Kafka: ready to be stopped, then writes its address, then waits.
            trap 'echo "kafka stopped" >> "$STOP_LOG"; exit 0' TERM
            while [ $# -gt 0 ]; do [ "$1" = --bootstrap-file ] && echo 127.0.0.1:9 > "$2"; shift; done
            while :; do sleep 0.05; done
            """);
        var (exitCode, _, errors) = await Bash("""
            source "$LEDGER_ROOT/scripts/lib.sh"
            source "$LEDGER_ROOT/scripts/up.sh"
            ledger_start_local_kafka local-kafka "$LEDGER_DATA/kafka.bootstrap"
            # A service that takes a moment to stop, as the Api does (it finishes its Kafka work).
            ledger_start_child api bash -c 'trap "echo api stopping >> $STOP_LOG; sleep 0.3; echo api stopped >> $STOP_LOG; exit 0" TERM
              echo api started >> $STOP_LOG; while :; do sleep 0.05; done'
            deadline=$((SECONDS + 30))
            until grep -q "api started" "$STOP_LOG" 2>/dev/null; do [ $SECONDS -lt $deadline ] || exit 3; sleep 0.05; done
            ledger_stop_children
            """, ("STOP_LOG", stops));
        Assert.True(exitCode == 0, $"exit {exitCode}: {errors}");
        Assert.Equal(["api started", "api stopping", "api stopped", "kafka stopped"], await File.ReadAllLinesAsync(stops));
    }

    /// <summary>An executable on the front of the scripts' PATH in place of <paramref name="name"/>.</summary>
    private void StandIn(string name, string body)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_folder.FullName, "bin")).FullName;
        var path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<(int ExitCode, string Output, string Errors)> Bash(string script, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["LEDGER_ROOT"] = Repository.Root;
        start.Environment["LEDGER_DATA"] = Path.Combine(_folder.FullName, "data");
        start.Environment["PATH"] = $"{Path.Combine(_folder.FullName, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ScriptDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bash did not finish within {ScriptDeadline}: {script}");
        }
        return (process.ExitCode, await output, await errors);
    }
}
