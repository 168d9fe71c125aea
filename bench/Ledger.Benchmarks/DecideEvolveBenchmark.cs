using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Ledger.Domain;

namespace Ledger.Benchmarks;

/// <summary>
/// What one partition writer's thread does per command, without Kafka: Decide, then Evolve each
/// event. Each iteration starts from the funded opening state and runs the whole pre-generated
/// mix, so "Op/s" is commands per second and "Allocated" is bytes per command.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class DecideEvolveBenchmark
{
    public const int CommandsPerRun = 200_000;

    private Workload _workload = null!;
    private LedgerState _state = null!;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // A run is long (tens of milliseconds) and needs a fresh state, so one invocation per iteration.
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithInvocationCount(1).WithUnrollFactor(1)
                .WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }

    [GlobalSetup]
    public void GenerateWorkload() => _workload = Workload.Generate(CommandsPerRun, seed: 20260101);

    [IterationSetup]
    public void StartFromOpeningState() => _state = _workload.OpeningState();

    [Benchmark(OperationsPerInvoke = CommandsPerRun)]
    public long DecideAndEvolve()
    {
        var (commands, times, state) = (_workload.Commands, _workload.Times, _state);
        for (var i = 0; i < commands.Length; i++)
        {
            var events = LedgerDecider.Decide(commands[i], state, times[i]);
            for (var e = 0; e < events.Count; e++) LedgerDecider.Evolve(state, events[e]);
        }
        return state.EventsApplied;
    }
}
