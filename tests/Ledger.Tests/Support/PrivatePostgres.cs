using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ledger.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster of this test's own (initdb in a temporary folder, on a free loopback
/// port), so a test can restart it under the projector without touching the machine's cluster, which
/// others share. Started as the postgres user when the test runs as root (initdb refuses root).
/// fsync is off: the restart is a process crash (pg_ctl -m immediate), never a machine crash, so the
/// WAL still reaches the disk through the OS and crash recovery is the real one.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(60);
    private readonly string _folder;
    private readonly string _bin;

    private PrivatePostgres(string folder, string bin, int port)
    {
        _folder = folder;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }
    private string Data => Path.Combine(_folder, "data");

    /// <summary>A superuser connection (trust authentication, loopback only) to the cluster's postgres database.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public static async Task<PrivatePostgres> Start()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin")).LastOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql");
        var folder = Directory.CreateTempSubdirectory("ledger-private-pg-").FullName;
        var cluster = new PrivatePostgres(folder, bin, FreePort());
        if (RunsAsRoot) await Run("chown", ["postgres:postgres", folder]);
        await cluster.RunServerTool("initdb", ["-D", cluster.Data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
        await cluster.RunServerTool("pg_ctl", ["-D", cluster.Data, "-l", Path.Combine(folder, "server.log"), "-w", "-o", cluster.ServerOptions, "start"]);
        return cluster;
    }

    /// <summary>kill -9 of the server, as a crash does, then start again: crash recovery from the WAL.
    /// Open transactions (a projector's batch) are lost and their connections broken.</summary>
    public Task Restart() =>
        RunServerTool("pg_ctl", ["-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-m", "immediate", "-o", ServerOptions, "restart"]);

    public string ServerLog => File.Exists(Path.Combine(_folder, "server.log")) ? File.ReadAllText(Path.Combine(_folder, "server.log")) : "";

    private string ServerOptions => $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100";

    public async ValueTask DisposeAsync()
    {
        try { await RunServerTool("pg_ctl", ["-D", Data, "-w", "-m", "immediate", "stop"]); }
        catch (InvalidOperationException) { } // already stopped
        Directory.Delete(_folder, recursive: true);
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private Task RunServerTool(string tool, string[] arguments) => RunsAsRoot
        ? Run("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments])
        : Run(Path.Combine(_bin, tool), arguments);

    private static Task Run(string program, string[] arguments) => MachineCommand.Run(program, arguments, CommandDeadline);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
