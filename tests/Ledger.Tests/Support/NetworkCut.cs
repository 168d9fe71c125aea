namespace Ledger.Tests.Support;

/// <summary>
/// A cgroup (v2) of its own for one process, so that the process can be cut off the network without
/// being stopped: <see cref="Cut"/> adds an iptables rule that drops every TCP packet the cgroup's
/// sockets send over loopback (where the local Kafka's brokers listen). Its threads run on and its
/// sockets stay open, but nothing it sends arrives, as when a host loses its link; <see cref="Restore"/>
/// deletes the rule and the same sockets carry on. The process must enter the cgroup before it opens
/// a socket (a socket stays with the cgroup it was made in): <see cref="LedgerProcess"/> starts it
/// through a shell that writes its own pid to <see cref="ProcsFile"/> and then execs it. Needs root,
/// iptables with the cgroup match, and a cgroup2 mount (all on this project's machines).
/// </summary>
public sealed class NetworkCut : IAsyncDisposable
{
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(30);
    private readonly string _name;
    private readonly string _directory;
    private bool _cut;

    private NetworkCut(string root, string name)
    {
        _name = name;
        _directory = Path.Combine(root, name);
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Why no cut can be made on this machine, or null when one can.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root") return "a network cut needs root (iptables, cgroups)";
        if (Cgroup2Root() is null) return "a network cut needs a cgroup2 mount (none in /proc/mounts)";
        if (!File.Exists("/usr/sbin/iptables") && !File.Exists("/sbin/iptables")) return "a network cut needs iptables";
        return null;
    }

    /// <summary>A new, empty cgroup for a process about to start.</summary>
    public static NetworkCut Prepare() =>
        new(Cgroup2Root() ?? throw new InvalidOperationException(Unavailable()), $"ledger-soak-{Guid.NewGuid():N}"[..24]);

    /// <summary>The file a process writes its pid to, to enter the cgroup.</summary>
    public string ProcsFile => Path.Combine(_directory, "cgroup.procs");

    public async Task Cut()
    {
        if (_cut) return;
        await Iptables("-A");
        _cut = true;
    }

    /// <summary>Lets the process's packets through again (its sockets were never closed).</summary>
    public async Task Restore()
    {
        if (!_cut) return;
        await Iptables("-D");
        _cut = false;
    }

    /// <summary>Restores the network and removes the cgroup, once its process has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        await Restore();
        try { Directory.Delete(_directory); }
        catch (IOException) { } // a process still in it: the cgroup goes with the machine's next boot
    }

    private static string? Cgroup2Root() =>
        File.ReadLines("/proc/mounts").Select(line => line.Split(' ')).FirstOrDefault(fields => fields.Length > 2 && fields[2] == "cgroup2")?[1];

    private Task Iptables(string action) =>
        MachineCommand.Run("iptables", [action, "OUTPUT", "-o", "lo", "-p", "tcp", "-m", "cgroup", "--path", _name, "-j", "DROP"], CommandDeadline);
}
