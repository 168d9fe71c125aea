using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Ledger.Domain;

namespace Ledger.Benchmarks;

/// <summary>
/// What one partition writer's thread does per command, without Kafka: Decide, then Evolve each
/// event. Each iteration starts from a prepared state and runs the whole pre-generated mix (the
/// commands are made before measuring), so "Op/s" is commands per second and "Allocated" is bytes
/// per command.
/// FromOpening starts from the funded opening state, so every remembered key is new and the state's
/// tables grow throughout (their resizing is measured too). SteadyState first applies as many
/// commands again, unmeasured, with an idempotency window that holds exactly those: the measured
/// run finds the memory at its bound, each new key making it forget one, as a writer does once it
/// has run longer than its window.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class DecideEvolveBenchmark
{
    public const int CommandsPerRun = 200_000;

    private Workload _fromOpening = null!;
    private Workload _steady = null!;
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
    public void GenerateWorkloads()
    {
        _fromOpening = Workload.Generate(CommandsPerRun, seed: 20260101);
        _steady = Workload.Generate(CommandsPerRun, seed: 20260101, warmUpCommands: CommandsPerRun);
    }

    [IterationSetup(Target = nameof(FromOpening))]
    public void StartFromOpeningState() => _state = _fromOpening.OpeningState();

    [IterationSetup(Target = nameof(SteadyState))]
    public void StartFromWarmState() => _state = _steady.WarmState();

    [Benchmark(OperationsPerInvoke = CommandsPerRun, Baseline = true)]
    public long FromOpening() => Run(_fromOpening, _state);

    [Benchmark(OperationsPerInvoke = CommandsPerRun)]
    public long SteadyState() => Run(_steady, _state);

    /// <summary>The measured loop: nothing in it but Decide and Evolve.</summary>
    public static long Run(Workload workload, LedgerState state)
    {
        var (commands, times) = (workload.Commands, workload.Times);
        for (var i = 0; i < commands.Length; i++)
        {
            var events = LedgerDecider.Decide(commands[i], state, times[i]);
            for (var e = 0; e < events.Count; e++) LedgerDecider.Evolve(state, events[e]);
        }
        return state.EventsApplied;
    }
}
