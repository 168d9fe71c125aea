using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Ledger.Tests.Support;

/// <summary>
/// A real Ledger.Api or Ledger.Projector process, built by ./ledger test, configured through its
/// environment like in production. Kill() is kill -9: no clean shutdown, no final commit.
/// </summary>
public sealed class LedgerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private LedgerProcess(string project, int port, IReadOnlyDictionary<string, string> environment, NetworkCut? network = null)
    {
        Project = project;
        Port = port;
        Network = network;
        // In a cgroup of its own, entered before the runtime starts, so that every socket it opens can be cut.
        var start = network is null
            ? new ProcessStartInfo("dotnet", [Repository.Dll(project)])
            : new ProcessStartInfo("/bin/sh", ["-c", "echo $$ > \"$0\" && exec dotnet \"$1\"", network.ProcsFile, Repository.Dll(project)]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Project { get; }
    public int Port { get; }

    /// <summary>The process's own cgroup, which <see cref="NetworkCut.Cut"/> cuts off the network; null when
    /// it was started without one.</summary>
    public NetworkCut? Network { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public bool HasExited => _process.HasExited;
    public string Output => string.Join('\n', _output);

    public static async Task<LedgerProcess> Start(string project, IReadOnlyDictionary<string, string> environment,
        TimeSpan? readyWithin = null, NetworkCut? network = null)
    {
        var process = new LedgerProcess(project, FreePort(), environment, network);
        await process.WaitUntilReady(readyWithin ?? TimeSpan.FromSeconds(90));
        return process;
    }

    /// <summary>Starts the process without waiting for it to be ready (for processes expected to refuse to start).</summary>
    public static LedgerProcess Launch(string project, IReadOnlyDictionary<string, string> environment) =>
        new(project, FreePort(), environment);

    /// <summary>Waits for the process to end by itself; false if it is still running at the deadline.</summary>
    public bool WaitForExit(TimeSpan deadline)
    {
        if (!_process.WaitForExit(deadline)) return false;
        _process.WaitForExit(); // the overload without a timeout also waits for the output to be read
        return true;
    }

    public int ExitCode => _process.ExitCode;

    public async Task WaitUntilReady(TimeSpan deadline)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.Until(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Project} exited with {_process.ExitCode}:\n{Output}");
            try { return (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, deadline, $"{Project} reports ready\n{Output}");
    }

    /// <summary>kill -9: the process gets no chance to commit, flush or leave its group.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGSTOP: the process stands still (as in a long pause, or cut off), holding what it has.</summary>
    public void Pause() => _ = SendSignal(_process.Id, 19);

    /// <summary>SIGCONT: the paused process carries on where it stood.</summary>
    public void Resume() => _ = SendSignal(_process.Id, 18);

    /// <summary>SIGTERM, as an operator or orchestrator stops it.</summary>
    public void Terminate(TimeSpan? within = null)
    {
        if (_process.HasExited) return;
        _ = SendSignal(_process.Id, 15);
        if (!_process.WaitForExit(within ?? TimeSpan.FromSeconds(20))) Kill();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        if (Network is not null) await Network.DisposeAsync();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 400) _output.TryDequeue(out _);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

/// <summary>Where the repository and its built assemblies are.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Configuration =>
        Environment.GetEnvironmentVariable("LEDGER_BUILD_CONFIGURATION")
        ?? (AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug");

    public static string Dll(string project)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built ({path}): run ./ledger test");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln"))) return directory.FullName;
        throw new InvalidOperationException("Ledger.sln not found above the test assembly");
    }
}
