namespace Ledger.LoadGenerator.Load;

/// <summary>What a thread of a watched process works for, as its name tells.</summary>
public enum ThreadGroup { Librdkafka, PartitionWriters, ThreadPool, LongRunningTasks, GarbageCollector, Jit, Other }

/// <summary>One thread as /proc/PID/task/TID/stat shows it: its name and its CPU time so far.</summary>
public sealed record ThreadTicks(string Name, long Ticks);

/// <summary>
/// Groups a process's threads by name, and sums a window's CPU time per group. Names are what the
/// kernel keeps (/proc/PID/task/TID/comm): at most 15 characters, so ".NET Long Running Task" reads
/// ".NET Long Runni" and "ledger-writer-11" reads "ledger-writer-1"; every rule is a prefix.
/// </summary>
public static class ThreadGroups
{
    /// <summary>The name librdkafka gives the one main thread of each client instance.</summary>
    public const string LibrdkafkaMainThread = "rdk:main";

    // First match wins. The .NET names are the runtime's own (seen in a running Api).
    private static readonly (string Prefix, ThreadGroup Group)[] Rules =
    [
        ("rdk:", ThreadGroup.Librdkafka), // rdk:main, rdk:broker1, rdk:broker-1 (bootstrap), rdk:bg, rdk:mock
        ("ledger-writer", ThreadGroup.PartitionWriters), // ledger-writer-N today; the rewrite may drop the dash
        (".NET TP ", ThreadGroup.ThreadPool), // .NET TP Worker, .NET TP Gate
        (".NET ThreadPool", ThreadGroup.ThreadPool),
        (".NET Sockets", ThreadGroup.ThreadPool), // the socket engine's epoll thread: I/O completions
        (".NET Timer", ThreadGroup.ThreadPool), // the thread pool's timer thread
        (".NET Long Run", ThreadGroup.LongRunningTasks), // TaskCreationOptions.LongRunning: in the Api, Confluent.Kafka's producer poll loops among others
        (".NET Server GC", ThreadGroup.GarbageCollector),
        (".NET BGC", ThreadGroup.GarbageCollector), // background GC
        (".NET GC", ThreadGroup.GarbageCollector),
        (".NET Tiered Com", ThreadGroup.Jit), // .NET Tiered Compilation Worker: recompiles hot methods
    ];

    public static ThreadGroup Of(string threadName)
    {
        foreach (var (prefix, group) in Rules)
            if (threadName.StartsWith(prefix, StringComparison.Ordinal)) return group;
        return ThreadGroup.Other;
    }

    public static string Label(ThreadGroup group) => group switch
    {
        ThreadGroup.Librdkafka => "librdkafka",
        ThreadGroup.PartitionWriters => "writers",
        ThreadGroup.ThreadPool => "thread pool",
        ThreadGroup.LongRunningTasks => "long-running tasks",
        ThreadGroup.GarbageCollector => "GC",
        ThreadGroup.Jit => "JIT",
        ThreadGroup.Other => "other",
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    /// <summary>
    /// CPU ticks per group in a window: for every thread seen in it, its ticks at the last sample it
    /// was seen in minus its ticks at the start (all of them for a thread that started in the window,
    /// or whose id was reused). A thread that ended in the window keeps what it had at its last
    /// sample; what it spent after that is not here (the process's own total still has it).
    /// </summary>
    public static Dictionary<ThreadGroup, long> TicksByGroup(
        IReadOnlyDictionary<int, ThreadTicks> atStart, IReadOnlyDictionary<int, ThreadTicks> lastSeen)
    {
        var result = Enum.GetValues<ThreadGroup>().ToDictionary(group => group, _ => 0L);
        foreach (var (threadId, last) in lastSeen)
        {
            var before = atStart.TryGetValue(threadId, out var first) && first.Ticks <= last.Ticks ? first.Ticks : 0;
            result[Of(last.Name)] += last.Ticks - before;
        }
        return result;
    }

    /// <summary>librdkafka client instances among these threads: one rdk:main each.</summary>
    public static int LibrdkafkaInstances(IEnumerable<string> threadNames) =>
        threadNames.Count(name => name == LibrdkafkaMainThread);

    public static int LibrdkafkaThreads(IEnumerable<string> threadNames) =>
        threadNames.Count(name => Of(name) == ThreadGroup.Librdkafka);
}
