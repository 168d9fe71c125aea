using BenchmarkDotNet.Running;
using Ledger.Benchmarks;

// `--memory` measures the state's memory per account and remembered key; `--quick` times the
// steady-state run with a stopwatch; `--recovery [--events N]` measures rebuilding a partition's
// state from ledger.events; anything else goes to
// BenchmarkDotNet (e.g. --filter '*').
if (args.Contains("--memory"))
{
    StateMemory.Measure(Console.Out);
    return;
}
if (args.Contains("--quick"))
{
    QuickRun.Measure(Console.Out);
    return;
}
if (args.Contains("--recovery"))
{
    var count = args.SkipWhile(a => a != "--events").Skip(1).Select(int.Parse).FirstOrDefault(RecoveryMeasurement.EventCountDefault);
    RecoveryMeasurement.Measure(Console.Out, count);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(DecideEvolveBenchmark).Assembly).Run(args);
