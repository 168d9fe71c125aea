using BenchmarkDotNet.Running;
using Ledger.Benchmarks;

// `--memory` measures the state's memory per account and remembered key; `--quick` times the
// steady-state run with a stopwatch; anything else goes to
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
BenchmarkSwitcher.FromAssembly(typeof(DecideEvolveBenchmark).Assembly).Run(args);
