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
/// </summary>
public sealed class FaultSoakTests(ITestOutputHelper output)
{
    private const int CommandsPerTrialDefault = 60;
    private const int Partitions = 6;
    private const int Brokers = 3;
    private const int SnapshotEveryEvents = 20;

    [Fact]
    public async Task every_kind_of_fault_under_load_leaves_every_command_decided_once_and_the_audit_ok()
    {
        var seed = Setting("LEDGER_TEST_SEED") ?? Random.Shared.Next();
        var commands = Setting("LEDGER_SOAK_COMMANDS") ?? CommandsPerTrialDefault;
        Fault[] faults = Environment.GetEnvironmentVariable("LEDGER_SOAK_FAULTS") is { Length: > 0 } chosen
            ? [.. chosen.Split(',').Select(name => Enum.Parse<Fault>(name.Trim()))]
            : [.. Enum.GetValues<Fault>().Where(fault => !FaultSoak.OnlyWhenNamed.Contains(fault))];
        var trials = Setting("LEDGER_SOAK_TRIALS") ?? faults.Length;
        var schedule = FaultSoak.Schedule(seed, trials, faults);
        var clock = Stopwatch.StartNew();
        var log = Environment.GetEnvironmentVariable("LEDGER_SOAK_LOG");
        void Say(string line)
        {
            var stamped = $"{clock.Elapsed.TotalSeconds,7:0.0} s  {line}";
            output.WriteLine(stamped);
            if (!string.IsNullOrEmpty(log)) File.AppendAllText(log, stamped + "\n");
        }
        Say($"soak: seed {seed} (LEDGER_TEST_SEED={seed} replays it), {trials} trials of {commands} commands: {string.Join(", ", schedule)}");

        await using var postgres = await PrivatePostgres.Start();
        await using var snapshots = await SnapshotDisk.Mount();
        await using var ledger = await RunningLedger.Start(Partitions, Brokers, separateWriter: true,
            environment: new Dictionary<string, string>
            {
                // Snapshots often, so a writer's takeover recovers from one, and a snapshot fault has writes to break.
                ["Writer__SnapshotDirectory"] = snapshots.Directory,
                ["Writer__SnapshotEveryEvents"] = SnapshotEveryEvents.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            postgres: await TestPostgres.Create(postgres.AdminConnectionString));
        Say($"ledger up: {Partitions} partitions, {Brokers} brokers, a separate writer (snapshots every {SnapshotEveryEvents} events " +
            $"in {snapshots.Directory}), PostgreSQL of its own on port {postgres.Port}");
        var soak = new FaultSoak(ledger, postgres, snapshots, Say);
        var only = Setting("LEDGER_SOAK_TRIAL");
        for (var trial = only ?? 0; trial < (only + 1 ?? schedule.Count); trial++)
        {
            try
            {
                await soak.Trial(trial, schedule[trial], FaultSoak.TrialRandom(seed, trial), commands);
            }
            catch (Exception failure)
            {
                var replay = $"./ledger soak --seed {seed} --trials {trials} --commands {commands} --trial {trial}";
                Say($"trial {trial} ({schedule[trial]}) FAILED, seed {seed}; replay it alone: {replay}");
                throw new InvalidOperationException($"trial {trial} ({schedule[trial]}) of seed {seed} failed; replay it alone: {replay}\n{failure.Message}", failure);
            }
        }
        Say($"soak: {trials} trials passed in {clock.Elapsed.TotalSeconds:0} s (seed {seed}); recovery per fault, in seconds from the fault:");
        foreach (var line in soak.Recoveries.Table()) Say(line);
    }

    private static int? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text) : null;
}
