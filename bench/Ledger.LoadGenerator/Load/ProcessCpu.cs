namespace Ledger.LoadGenerator.Load;

/// <summary>
/// CPU time of the processes under test, read from /proc at the start and end of the measured window,
/// so a report can say where the machine's cores went per command (the Api, the local Kafka, the load
/// generator itself, PostgreSQL). A watched process counts with its direct children, those running
/// and those that ended and were reaped (PostgreSQL's backends are children of its postmaster, and
/// come and go with their connections). Each process's own threads are also read, by name, at
/// the edges and every <see cref="ThreadSampleInterval"/> between (<see cref="CpuWindow"/>).
/// </summary>
public sealed class ProcessCpu(IReadOnlyDictionary<string, int> watched)
{
    public const string LoadGenerator = "load generator";

    /// <summary>How often threads are read inside the window: a thread that ends loses at most this much
    /// of its time to the breakdown (the process's total keeps it; the report shows the rest as "ended").</summary>
    public static readonly TimeSpan ThreadSampleInterval = TimeSpan.FromSeconds(1);

    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static ProcessCpu Parse(IEnumerable<string> specifications) =>
        new(specifications.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => int.Parse(p[1])));

    /// <summary>Reads every watched process (and this one) now: the window starts.</summary>
    public CpuWindow Start()
    {
        var processes = new Dictionary<string, int> { [LoadGenerator] = Environment.ProcessId };
        foreach (var (name, pid) in watched) processes[name] = pid;
        return new CpuWindow(processes);
    }

    /// <summary>User + system seconds of a process and its direct children: the running ones' own,
    /// and what the ended ones it reaped had (its cutime + cstime).</summary>
    internal static double TreeSeconds(int pid)
    {
        if (Stat($"/proc/{pid}/stat") is not { } own) return 0;
        var total = (Ticks(own.Fields) + ReapedChildrenTicks(own.Fields)) / TicksPerSecond;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var child) || child == pid) continue;
            var stat = Stat($"/proc/{child}/stat");
            if (stat is { } s && int.TryParse(s.Fields[1], out var parent) && parent == pid) total += Ticks(s.Fields) / TicksPerSecond;
        }
        return total;
    }

    /// <summary>User + system seconds of the process alone, ended threads included.</summary>
    internal static double OwnSeconds(int pid) => Stat($"/proc/{pid}/stat") is { } stat ? Ticks(stat.Fields) / TicksPerSecond : 0;

    internal static double Seconds(long ticks) => ticks / TicksPerSecond;

    /// <summary>Every thread the process has now, by thread id.</summary>
    internal static Dictionary<int, ThreadTicks> Threads(int pid)
    {
        var result = new Dictionary<int, ThreadTicks>();
        IEnumerable<string> directories;
        try { directories = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList(); }
        catch (IOException) { return result; } // the process is gone
        catch (UnauthorizedAccessException) { return result; }
        foreach (var directory in directories)
        {
            if (!int.TryParse(Path.GetFileName(directory), out var threadId)) continue;
            if (Stat($"{directory}/stat") is { } stat) result[threadId] = new ThreadTicks(stat.Name, Ticks(stat.Fields));
        }
        return result;
    }

    private static long Ticks(string[] fields) => long.Parse(fields[11]) + long.Parse(fields[12]); // utime + stime

    private static long ReapedChildrenTicks(string[] fields) => long.Parse(fields[13]) + long.Parse(fields[14]); // cutime + cstime

    /// <summary>A stat file's command name (field 2, which may hold spaces and parentheses) and the fields
    /// after it (field 3, state, is index 0); null when the process or thread is gone.</summary>
    private static (string Name, string[] Fields)? Stat(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            var open = text.IndexOf('(');
            var close = text.LastIndexOf(')');
            return (text[(open + 1)..close], text[(close + 2)..].Split(' '));
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}

/// <summary>One process's threads in the window: CPU seconds per <see cref="ThreadGroups.Label"/>, what
/// threads that ended in the window spent after their last sample (the process's total minus the
/// groups), and its threads at the end of the window.</summary>
public sealed record ThreadBreakdown(
    Dictionary<string, double> SecondsByGroup, double EndedSeconds, int Threads, int LibrdkafkaThreads, int LibrdkafkaInstances);

/// <summary>The measured window's CPU: started by <see cref="ProcessCpu.Start"/>, sampled by the caller
/// every <see cref="ProcessCpu.ThreadSampleInterval"/>, and finished at the window's end.</summary>
public sealed class CpuWindow
{
    private readonly Dictionary<string, int> _processes;
    private readonly Dictionary<string, double> _treeSecondsAtStart = [];
    private readonly Dictionary<string, double> _ownSecondsAtStart = [];
    private readonly Dictionary<string, Dictionary<int, ThreadTicks>> _threadsAtStart = [];
    private readonly Dictionary<string, Dictionary<int, ThreadTicks>> _threadsLastSeen = [];

    internal CpuWindow(Dictionary<string, int> processes)
    {
        _processes = processes;
        foreach (var (name, pid) in processes)
        {
            _treeSecondsAtStart[name] = ProcessCpu.TreeSeconds(pid);
            _ownSecondsAtStart[name] = ProcessCpu.OwnSeconds(pid);
            _threadsAtStart[name] = ProcessCpu.Threads(pid);
            _threadsLastSeen[name] = new Dictionary<int, ThreadTicks>(_threadsAtStart[name]);
        }
    }

    /// <summary>Reads every thread again; each keeps its newest reading.</summary>
    public void Sample()
    {
        foreach (var (name, pid) in _processes) Remember(name, ProcessCpu.Threads(pid));
    }

    /// <summary>The window ends: CPU seconds per process (with direct children) and each process's threads.</summary>
    public (Dictionary<string, double> Seconds, Dictionary<string, ThreadBreakdown> Threads) Finish()
    {
        var seconds = new Dictionary<string, double>();
        var threads = new Dictionary<string, ThreadBreakdown>();
        foreach (var (name, pid) in _processes)
        {
            var now = ProcessCpu.Threads(pid);
            Remember(name, now);
            seconds[name] = ProcessCpu.TreeSeconds(pid) - _treeSecondsAtStart[name];
            var ownSeconds = ProcessCpu.OwnSeconds(pid) - _ownSecondsAtStart[name];
            var byGroup = ThreadGroups.TicksByGroup(_threadsAtStart[name], _threadsLastSeen[name])
                .ToDictionary(pair => ThreadGroups.Label(pair.Key), pair => ProcessCpu.Seconds(pair.Value));
            var names = now.Values.Select(thread => thread.Name).ToList();
            // Ticks are 10 ms per thread, so the difference is only as exact as that; never below zero.
            var ended = Math.Max(0, ownSeconds - byGroup.Values.Sum());
            threads[name] = new ThreadBreakdown(byGroup, ended, names.Count,
                ThreadGroups.LibrdkafkaThreads(names), ThreadGroups.LibrdkafkaInstances(names));
        }
        return (seconds, threads);
    }

    private void Remember(string process, Dictionary<int, ThreadTicks> now)
    {
        var lastSeen = _threadsLastSeen[process];
        foreach (var (threadId, thread) in now) lastSeen[threadId] = thread;
    }
}
