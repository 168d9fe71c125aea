namespace Ledger.LoadGenerator.Load;

/// <summary>
/// CPU time of the processes under test, read from /proc before and after the measured window, so a
/// report can say where the machine's cores went per command (the Api, the local Kafka, the load
/// generator itself, PostgreSQL). A watched process counts with its direct children (PostgreSQL's
/// backends are children of its postmaster).
/// </summary>
public sealed class ProcessCpu(IReadOnlyDictionary<string, int> watched)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static ProcessCpu Parse(IEnumerable<string> specifications) =>
        new(specifications.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => int.Parse(p[1])));

    public Dictionary<string, double> Seconds()
    {
        var result = new Dictionary<string, double>
        {
            ["load generator"] = Environment.ProcessId is var self ? TreeSeconds(self) : 0,
        };
        foreach (var (name, pid) in watched) result[name] = TreeSeconds(pid);
        return result;
    }

    public static Dictionary<string, double> Difference(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));

    private static double TreeSeconds(int pid)
    {
        var total = OwnSeconds(pid);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var child) || child == pid) continue;
            var stat = Stat(child);
            if (stat is not null && int.TryParse(stat[1], out var parent) && parent == pid) total += Ticks(stat);
        }
        return total;
    }

    private static double OwnSeconds(int pid) => Stat(pid) is { } stat ? Ticks(stat) : 0;

    private static double Ticks(string[] stat) => (long.Parse(stat[11]) + long.Parse(stat[12])) / TicksPerSecond;

    /// <summary>The fields of /proc/PID/stat after the command name (field 3, state, is index 0).</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
