using System.Diagnostics;
using Ledger.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Faults;

/// <summary>
/// The fault soak. In the suite: one trial of every fault, in a seeded order, on one ledger. As
/// `./ledger soak --trials N --seed S`: N trials (LEDGER_SOAK_TRIALS), LEDGER_SOAK_COMMANDS commands
/// each, of the faults in LEDGER_SOAK_FAULTS (names, comma-separated; when unset, all but those only run
/// when named: FaultSoak.OnlyWhenNamed), progress
/// appended to LEDGER_SOAK_LOG as it happens (LEDGER_SOAK_DEBUG=1 adds the processes' last log lines
/// after each trial). LEDGER_TEST_SEED replays a run; LEDGER_SOAK_TRIAL=N runs only its trial N (the
/// same fault, moment and load, on a fresh ledger).
/// Long runs: the trials are shared out over LEDGER_SOAK_LANES lanes (trial i in lane i mod lanes),
/// each with a ledger, PostgreSQL server and snapshot disk of its own, so that one lane's fault never
/// lands in another's trial; and a lane starts a new ledger (new Kafka, new database, no snapshots;
/// the same PostgreSQL server and built binaries) every LEDGER_SOAK_GENERATION_TRIALS trials, so the
/// audit after each trial reads a ledger of a few dozen trials, not of all of them, and the local
/// Kafka never deletes what the audit must compare.
/// </summary>
public sealed class FaultSoakTests(ITestOutputHelper output)
{
    private const int CommandsPerTrialDefault = 60;
    private const int Partitions = 6;
    private const int Brokers = 3;
    private const int SnapshotEveryEvents = 20;

    /// <summary>Two writer processes: one a warm standby that takes the partitions of one killed.</summary>
    private const int Writers = 2;

    /// <summary>Trials on one ledger before a lane starts a new one: the audit after a trial reads the
    /// whole ledger (about 1 s per 1,600 events here), and starting one takes about 25 s.</summary>
    private const int GenerationTrialsDefault = 25;

    private readonly object _sayLock = new();
    private string? _log;
    private System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    [Fact]
    public async Task every_kind_of_fault_under_load_leaves_every_command_decided_once_and_the_audit_ok()
    {
        var seed = Setting("LEDGER_TEST_SEED") ?? Random.Shared.Next();
        var commands = Setting("LEDGER_SOAK_COMMANDS") ?? CommandsPerTrialDefault;
        Fault[] faults = Environment.GetEnvironmentVariable("LEDGER_SOAK_FAULTS") is { Length: > 0 } chosen
            ? [.. chosen.Split(',').Select(name => Enum.Parse<Fault>(name.Trim()))]
            : [.. Enum.GetValues<Fault>().Where(fault => !FaultSoak.OnlyWhenNamed.Contains(fault))];
        var trials = Setting("LEDGER_SOAK_TRIALS") ?? faults.Length;
        var lanes = Math.Clamp(Setting("LEDGER_SOAK_LANES") ?? 1, 1, 8);
        var generationTrials = Math.Max(1, Setting("LEDGER_SOAK_GENERATION_TRIALS") ?? GenerationTrialsDefault);
        var schedule = FaultSoak.Schedule(seed, trials, faults);
        _clock = Stopwatch.StartNew();
        _log = Environment.GetEnvironmentVariable("LEDGER_SOAK_LOG");
        Say($"soak: seed {seed} (LEDGER_TEST_SEED={seed} replays it), {trials} trials of {commands} commands " +
            $"in {lanes} lane(s), a new ledger every {generationTrials} trials of a lane: {string.Join(", ", schedule)}");

        var only = Setting("LEDGER_SOAK_TRIAL");
        var numbers = only is { } one ? [one] : Enumerable.Range(0, schedule.Count).ToArray();
        var recoveries = new RecoveryFigures();
        var run = new Run(seed, trials, commands, schedule, generationTrials, recoveries, new CancellationTokenSource());
        var failures = await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane =>
            Lane(run, lane, lanes == 1 ? "" : $"lane {lane}: ", [.. numbers.Where(n => n % lanes == lane)])));
        if (failures.OfType<Exception>().FirstOrDefault() is { } failure) throw failure;
        Say($"soak: {numbers.Length} trials passed in {_clock.Elapsed.TotalSeconds:0} s (seed {seed}); recovery per fault, in seconds from the fault:");
        foreach (var line in recoveries.Table()) Say(line);
    }

    private sealed record Run(int Seed, int Trials, int Commands, IReadOnlyList<Fault> Schedule, int GenerationTrials,
        RecoveryFigures Recoveries, CancellationTokenSource Failed);

    /// <summary>One lane's trials, in order, on ledgers of its own; the first failure stops every lane.</summary>
    private async Task<Exception?> Lane(Run run, int lane, string prefix, int[] numbers)
    {
        void LaneSays(string line) => Say(prefix + line);
        try
        {
            await using var postgres = await PrivatePostgres.Start();
            await using var snapshots = await SnapshotDisk.Mount();
            for (var first = 0; first < numbers.Length && !run.Failed.IsCancellationRequested; first += run.GenerationTrials)
            {
                snapshots.Empty(); // the last ledger's snapshots describe another log
                await using var ledger = await StartLedger(postgres, snapshots);
                ledger.SuperviseWriters();
                LaneSays($"ledger up: {Partitions} partitions, {Brokers} brokers, {Writers} writer processes (snapshots every " +
                         $"{SnapshotEveryEvents} events in {snapshots.Directory}), PostgreSQL of its own on port {postgres.Port}; " +
                         $"trials {string.Join(", ", numbers.Skip(first).Take(run.GenerationTrials))}");
                var soak = new FaultSoak(ledger, postgres, snapshots, LaneSays, run.Recoveries);
                foreach (var trial in numbers.Skip(first).Take(run.GenerationTrials))
                {
                    if (run.Failed.IsCancellationRequested) return null;
                    try
                    {
                        await soak.Trial(trial, run.Schedule[trial], FaultSoak.TrialRandom(run.Seed, trial), run.Commands);
                    }
                    catch (Exception failure)
                    {
                        var replay = $"./ledger soak --seed {run.Seed} --trials {run.Trials} --commands {run.Commands} --trial {trial}";
                        LaneSays($"trial {trial} ({run.Schedule[trial]}) FAILED, seed {run.Seed}; replay it alone: {replay}");
                        throw new InvalidOperationException($"trial {trial} ({run.Schedule[trial]}) of seed {run.Seed} failed; replay it alone: {replay}\n{failure.Message}" +
                            (failure.Message.Contains("--- api ---", StringComparison.Ordinal) ? "" : $"\n{ledger.Logs}"), failure);
                    }
                }
            }
            return null;
        }
        catch (Exception failure)
        {
            run.Failed.Cancel();
            return failure;
        }
    }

    private static async Task<RunningLedger> StartLedger(PrivatePostgres postgres, SnapshotDisk snapshots) =>
        await RunningLedger.Start(Partitions, Brokers, separateWriter: true, writers: Writers,
            cuttableWriters: NetworkCut.Unavailable() is null,
            environment: new Dictionary<string, string>
            {
                // Snapshots often, so a writer's takeover recovers from one, and a snapshot fault has writes to break.
                ["Writer__SnapshotDirectory"] = snapshots.Directory,
                ["Writer__SnapshotEveryEvents"] = SnapshotEveryEvents.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            postgres: await TestPostgres.Create(postgres.AdminConnectionString));

    private void Say(string line)
    {
        lock (_sayLock)
        {
            var stamped = $"{_clock.Elapsed.TotalSeconds,7:0.0} s  {line}";
            output.WriteLine(stamped);
            if (!string.IsNullOrEmpty(_log)) File.AppendAllText(_log, stamped + "\n");
        }
    }

    private static int? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text) : null;
}
