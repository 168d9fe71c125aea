using System.Diagnostics;
using Ledger.Domain;

namespace Ledger.Benchmarks;

/// <summary>
/// A quick look (seconds, not minutes) between BenchmarkDotNet runs: the steady-state workload,
/// timed with a stopwatch, allocation counted on this thread, collections counted. Not a substitute
/// for the benchmark's statistics. It also divides by the process's CPU time (this thread and the
/// collector's), which a shared machine's other load inflates less than the wall clock: on a busy
/// machine the wall clock measures the queue for the processor as much as the code.
/// </summary>
public static class QuickRun
{
    public static void Measure(TextWriter output)
    {
        var workload = Workload.Generate(DecideEvolveBenchmark.CommandsPerRun, seed: 20260101, warmUpCommands: DecideEvolveBenchmark.CommandsPerRun);
        PrintMix(output, workload);
        PrintEdgeWork(output, workload);
        for (var run = 0; run < 5; run++)
        {
            var state = workload.WarmState();
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var processorBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var pausedBefore = GC.GetTotalPauseDuration();
            var clock = Stopwatch.StartNew();
            DecideEvolveBenchmark.Run(workload, state);
            clock.Stop();
            var processor = Process.GetCurrentProcess().TotalProcessorTime - processorBefore;
            var paused = GC.GetTotalPauseDuration() - pausedBefore;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var commands = workload.Commands.Length;
            output.WriteLine($"{commands / clock.Elapsed.TotalSeconds,12:N0} commands/s  " +
                $"{commands / processor.TotalSeconds,12:N0} commands per CPU second  {allocated / commands,5:N0} B/command  " +
                $"GCs gen0 {GC.CollectionCount(0) - gen0} gen1 {GC.CollectionCount(1) - gen1} gen2 {GC.CollectionCount(2) - gen2}, " +
                $"paused {paused.TotalMilliseconds / clock.Elapsed.TotalMilliseconds:P0} of the time");
        }
    }

    /// <summary>What the measured commands decide, by outcome: the mix the numbers are for.</summary>
    private static void PrintMix(TextWriter output, Workload workload)
    {
        var state = workload.WarmState();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < workload.Commands.Length; i++)
        {
            var events = LedgerDecider.Decide(workload.Commands[i], state, workload.Times[i]);
            if (events.Count == 0) Count($"{workload.Commands[i].GetType().Name} (repeat: nothing decided)");
            foreach (var @event in events)
            {
                LedgerDecider.Evolve(state, @event);
                Count(@event is IRejection rejection ? $"{@event.GetType().Name} {rejection.Code}" : @event.GetType().Name);
            }
        }
        output.WriteLine($"decided by {workload.Commands.Length:N0} commands: " +
                         string.Join(", ", outcomes.Select(pair => $"{pair.Key} {100.0 * pair.Value / workload.Commands.Length:0.0} %")));

        void Count(string outcome) => outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
    }

    /// <summary>What this loop does not pay because the request brings it: the hash of its
    /// idempotency key, computed once where the request is made (Request.KeyHash, the same
    /// HashCode.Combine of the two strings). Timed here so the total is known.</summary>
    private static void PrintEdgeWork(TextWriter output, Workload workload)
    {
        var hashes = 0;
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < 5; round++)
        {
            foreach (var command in workload.Commands) hashes ^= HashCode.Combine(command.Request.UserId, command.Request.IdempotencyKey);
        }
        clock.Stop();
        output.WriteLine($"edge work moved out of the loop: the key hash, {clock.Elapsed.TotalNanoseconds / (5.0 * workload.Commands.Length):0} ns " +
                         $"per command (checksum {hashes & 0xff})");
    }
}
