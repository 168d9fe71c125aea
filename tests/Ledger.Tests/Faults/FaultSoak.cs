using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Tests.Support;
using Npgsql;

namespace Ledger.Tests.Faults;

/// <summary>The faults a trial injects, one per trial, while its load runs.</summary>
public enum Fault
{
    /// <summary>kill -9 of one of the two writer processes (the other, a warm standby in the same group,
    /// takes its partitions once its session ends), and a replacement started at once.</summary>
    KillWriter,
    /// <summary>kill -9 of the projector, then a new one.</summary>
    KillProjector,
    /// <summary>One broker of the mock cluster down for 1-4 s, then up.</summary>
    BrokerDownUp,
    /// <summary>Partition leaders of ledger.commands and ledger.events moved to other brokers, twice.</summary>
    LeaderMoves,
    /// <summary>The (private) PostgreSQL killed and restarted (pg_ctl restart -m immediate) while the projector writes.</summary>
    PostgresRestart,
    /// <summary>Commands produced twice, byte for byte, onto ledger.commands.</summary>
    DuplicateCommands,
    /// <summary>The projector killed and its group's offsets on Kafka rewound to 0 (where Kafka would deliver
    /// every event again from): it must resume from its offsets in PostgreSQL.</summary>
    ProjectorRewind,
    /// <summary>An undecodable command on a partition, then a good one for the same partition.</summary>
    PoisonCommand,
    /// <summary>PostgreSQL slow: a transaction holds exclusive locks on the event store and the balance
    /// cache for 1-4 s while the projector writes (decisions go on; the projector waits, then catches up).</summary>
    PostgresLocked,
    /// <summary>The writer's snapshot directory full or read-only (the seed picks) while it snapshots, then
    /// the writer killed and started again before it is repaired: it recovers from the last snapshot it
    /// could write (or the log), decides nothing twice, and leaves no half-written file behind.</summary>
    SnapshotsUnwritable,
    /// <summary>The writer stopped (SIGSTOP) until a second writer has taken its partitions, then let go
    /// on (SIGCONT) as a zombie for a moment, then killed: nothing may be decided twice. Run only when
    /// named (LEDGER_SOAK_FAULTS): on the mock cluster no broker fences the zombie (see docs/soak.md).</summary>
    WriterZombie,
    /// <summary>One writer process cut off from the network for 3-10 s (<see cref="NetworkCut"/>: it runs on,
    /// nothing it sends arrives), on both sides of the group's 6 s session timeout, while the other writer
    /// takes its partitions once its session ends; then reconnected, its sockets as they were. Run only when
    /// named: what a writer that died while cut had already handed to the kernel still arrives once the
    /// network is back, and the mock cluster shows a dead producer's open transaction (docs/soak.md).</summary>
    WriterCutOff,
}

/// <summary>
/// Seeded trials against real processes (a separate writer process, a projector, an edge Api), each
/// injecting one <see cref="Fault"/> while commands flow. After every trial: every command the trial
/// sent is decided exactly once, with the outcome its client was told, and the audit
/// (GET /v1/audit) is ok. The seed decides the faults, their moments (by commands answered, not by
/// time), their targets and the load, so a failure replays from it (timing aside).
/// </summary>
public sealed class FaultSoak(RunningLedger ledger, PrivatePostgres postgres, SnapshotDisk snapshots, Action<string> say,
    RecoveryFigures recoveries)
{
    private const int UserCount = 24;
    private const int ClientsInFlight = 6;
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan KafkaDeadline = TimeSpan.FromSeconds(60);
    private readonly string[] _users = [.. Enumerable.Range(0, UserCount).Select(i => $"soak-{i:00}")];
    private readonly CommandCodec _commands = new(AssetCatalog.Default);

    /// <summary>Faults the soak injects only when LEDGER_SOAK_FAULTS names them.</summary>
    public static readonly IReadOnlySet<Fault> OnlyWhenNamed = new HashSet<Fault> { Fault.WriterZombie, Fault.WriterCutOff };

    /// <summary>Faults in rounds: each round is every fault (of those chosen) once, in an order the seed shuffles.</summary>
    public static IReadOnlyList<Fault> Schedule(int seed, int trials, IReadOnlyList<Fault> faults)
    {
        var random = new Random(seed);
        var schedule = new List<Fault>(trials);
        while (schedule.Count < trials)
        {
            var round = faults.ToArray();
            random.Shuffle(round);
            schedule.AddRange(round.Take(trials - schedule.Count));
        }
        return schedule;
    }

    /// <summary>The trial's own random, from the soak's seed and the trial's number.</summary>
    public static Random TrialRandom(int seed, int trial) => new(unchecked(seed * 7919 + trial));

    public async Task Trial(int number, Fault fault, Random random, int commands)
    {
        var tag = $"trial{number}";
        var exitsBefore = ledger.WriterExits.Count;
        var load = new TrialLoad(ledger, _users, random, tag, commands, ClientsInFlight);
        var faultAt = random.Next(commands / 10, commands / 2 + 1); // the moment, by commands answered
        var running = load.Run();
        await load.WhenAnswered(faultAt);
        say($"trial {number}: {fault} after {load.Answered}/{commands} commands answered");
        _faultBegan = Stopwatch.GetTimestamp();
        var produced = await Inject(fault, random, tag);
        load.FaultOver();
        var expected = (await running).Concat(produced).ToList();
        var recovery = Recovery.Of(expected, _faultBegan);
        recoveries.Add(fault, recovery);
        say($"trial {number}: load done, {expected.Count(e => e.Answer is null || TrialLoad.Accepted(e.Answer))} accepted, " +
            $"{expected.Count(e => e.Answer is not null && !TrialLoad.Accepted(e.Answer))} refused");

        await EveryCommandDecidedOnce(expected);
        await EveryTransferSettled();
        var report = await ledger.Audit(TimeSpan.FromSeconds(120));
        if (!report.IsOk())
            throw new InvalidOperationException($"trial {number} ({fault}): the audit found differences\n{report.Failures()}\n{ledger.Logs}");
        foreach (var exit in ledger.WriterExits.Skip(exitsBefore))
        {
            // Only a stuck librdkafka call is a reason to restart; any other exit (70: a broken invariant,
            // a log missing records) is what the soak is there to find, restarted or not.
            if (exit.Code != Ledger.Api.Writer.WriterGroupMember.StuckExitCode)
                throw new InvalidOperationException($"trial {number} ({fault}): a writer process ended by itself with {exit}\n{exit.Output}");
            say($"  a writer process ended by itself ({exit}); the supervisor started another");
        }
        say($"trial {number}: audit ok ({Checked(report)}); {fault}: {recovery}");
        if (Environment.GetEnvironmentVariable("LEDGER_SOAK_DEBUG") == "1") say(ledger.Logs);
    }

    private long _faultBegan;

    /// <summary>The fault's moment, where injecting it takes time of its own (a kill -9 returns once the
    /// process is gone): recovery is counted from there.</summary>
    private void TookEffect() => _faultBegan = Stopwatch.GetTimestamp();

    private async Task<IReadOnlyList<ExpectedCommand>> Inject(Fault fault, Random random, string tag)
    {
        switch (fault)
        {
            case Fault.KillWriter:
                ledger.KillWriter(AnyWriter(random));
                TookEffect();
                await ledger.StartWriter(); // the replacement; the standby decides meanwhile
                return [];
            case Fault.KillProjector:
                ledger.Projector!.Kill();
                TookEffect();
                await ledger.StartProjector();
                return [];
            case Fault.BrokerDownUp:
                var broker = random.Next(1, ledger.Kafka.Cluster.BrokerCount + 1);
                var down = TimeSpan.FromMilliseconds(random.Next(1_000, 4_001));
                say($"  broker {broker} down for {down.TotalSeconds:0.0} s");
                ledger.Kafka.Cluster.SetBrokerDown(broker);
                TookEffect();
                await Task.Delay(down); // the fault's length, not a synchronisation
                ledger.Kafka.Cluster.SetBrokerUp(broker);
                return [];
            case Fault.LeaderMoves:
                MoveLeaders(random);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1_001))); // the gap between the two moves: part of the fault
                MoveLeaders(random);
                return [];
            case Fault.PostgresRestart:
                await postgres.Restart();
                return [];
            case Fault.DuplicateCommands:
                return await ProduceTwice(random, tag, count: random.Next(3, 7));
            case Fault.ProjectorRewind:
                ledger.Projector!.Kill();
                TookEffect();
                await RewindProjectorOffsetsOnKafka();
                await ledger.StartProjector();
                return [];
            case Fault.PoisonCommand:
                return await Poison(random, tag);
            case Fault.WriterZombie:
                await Zombie(random);
                return [];
            case Fault.SnapshotsUnwritable:
                await SnapshotsUnwritable(random);
                return [];
            case Fault.WriterCutOff:
                await CutOff(random);
                return [];
            case Fault.PostgresLocked:
                await HoldProjectorTables(TimeSpan.FromMilliseconds(random.Next(1_000, 4_001)));
                return [];
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private LedgerProcess AnyWriter(Random random) => ledger.Writers[random.Next(ledger.Writers.Count)];

    private async Task Zombie(Random random)
    {
        var zombie = AnyWriter(random);
        zombie.Pause();
        TookEffect();
        await ledger.StartWriter(); // ready once the group has given it the paused writer's partitions
        say("  writer paused; a second writer took its partitions");
        zombie.Resume();
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2_001))); // the zombie's moment: part of the fault
        ledger.KillWriter(zombie);
        say("  the paused writer let go on, then killed");
    }

    private async Task CutOff(Random random)
    {
        var network = AnyWriter(random).Network
                      ?? throw new InvalidOperationException($"{Fault.WriterCutOff} cannot run on this machine: {NetworkCut.Unavailable()}");
        var cut = TimeSpan.FromMilliseconds(random.Next(3_000, 10_001));
        await network.Cut();
        TookEffect();
        say($"  a writer cut off from the network for {cut.TotalSeconds:0.0} s");
        try { await Task.Delay(cut); } // the fault's length, not a synchronisation
        finally { await network.Restore(); }
        say("  the writer reconnected");
    }

    private async Task SnapshotsUnwritable(Random random)
    {
        var full = random.Next(2) == 0;
        if (full) await snapshots.Fill();
        else await snapshots.ReadOnly();
        TookEffect();
        var before = snapshots.Snapshots();
        say($"  snapshot directory {(full ? "full" : "read-only")} ({before.Count} snapshots in it)");
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2_001))); // the writer decides (and tries to snapshot) meanwhile
        ledger.KillWriter(AnyWriter(random));
        await ledger.StartWriter(); // recovers from what the directory holds, and cannot write there either
        await snapshots.Repair();
        if (snapshots.LeftOver() is { Count: > 0 } left)
            throw new InvalidOperationException($"failed snapshot writes left files behind: {string.Join(", ", left)}");
        say($"  writer killed and recovered with its snapshot directory {(full ? "full" : "read-only")}; repaired, nothing left behind");
    }

    /// <summary>As a long report or a migration would: one transaction holding ACCESS EXCLUSIVE locks on
    /// the tables every projector batch writes, for a while, then rolled back.</summary>
    private async Task HoldProjectorTables(TimeSpan holding)
    {
        await using var connection = new NpgsqlConnection(ledger.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var locking = new NpgsqlCommand("lock table events, balances in access exclusive mode", connection, transaction))
            await locking.ExecuteNonQueryAsync();
        TookEffect();
        say($"  events and balances locked for {holding.TotalSeconds:0.0} s");
        await Task.Delay(holding); // the fault's length, not a synchronisation
        await transaction.RollbackAsync();
    }

    private void MoveLeaders(Random random)
    {
        var options = ledger.Kafka.Options;
        var moves = new List<string>();
        foreach (var topic in new[] { options.CommandsTopic, options.EventsTopic })
        {
            for (var i = 0; i < 3; i++)
            {
                var (partition, broker) = (random.Next(options.Partitions), random.Next(1, ledger.Kafka.Cluster.BrokerCount + 1));
                ledger.Kafka.Cluster.SetPartitionLeader(topic, partition, broker);
                moves.Add($"{topic}/{partition}->{broker}");
            }
        }
        say($"  leaders moved: {string.Join(", ", moves)}");
    }

    /// <summary>Deposits produced onto ledger.commands twice each, byte for byte, as a producer retrying
    /// without idempotence would: each must be decided once and its copy answered as a repeat.</summary>
    private async Task<IReadOnlyList<ExpectedCommand>> ProduceTwice(Random random, string tag, int count)
    {
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(ledger.Kafka.BootstrapServers)).Build();
        var expected = new List<ExpectedCommand>();
        for (var i = 0; i < count; i++)
        {
            var (user, key) = (_users[random.Next(_users.Length)], $"{tag}-twice-{i}");
            var deposit = new Deposit(new Request(Guid.NewGuid(), user, key, "soak-duplicate"), "USD", random.Next(1, 10_000));
            var bytes = _commands.Encode(deposit);
            var partition = new TopicPartition(ledger.Kafka.Options.CommandsTopic, UserPartitioner.PartitionOf(user, ledger.Kafka.Options.Partitions));
            for (var copy = 0; copy < 2; copy++)
                await producer.ProduceAsync(partition, new Message<string, byte[]> { Key = user, Value = bytes });
            expected.Add(new ExpectedCommand(user, key, $"deposit produced twice {key}", Answer: null));
        }
        say($"  {count} deposits produced twice each");
        return expected;
    }

    /// <summary>Kafka's copy of the projector's offsets set back to 0, as if every event were to be
    /// delivered again. Kafka takes offsets only from a member of the group, so this joins the group
    /// (once the killed projector's session has timed out, it gets every partition), commits, and leaves.</summary>
    private async Task RewindProjectorOffsetsOnKafka()
    {
        var options = ledger.Kafka.Options;
        using var member = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(ledger.Kafka.BootstrapServers, options.ProjectorGroup)).Build();
        member.Subscribe(options.EventsTopic);
        await Eventually.Until(() =>
        {
            member.Consume(TimeSpan.FromMilliseconds(100)); // drives the join; whatever it reads is ignored
            return Task.FromResult(member.Assignment.Count == options.Partitions);
        }, KafkaDeadline, "the rewinding member is given every partition of the projector's group");
        var rewound = Enumerable.Range(0, options.Partitions).Select(p => new TopicPartitionOffset(options.EventsTopic, p, 0)).ToList();
        member.Commit(rewound);
        var committed = member.Committed(rewound.Select(r => r.TopicPartition), KafkaDeadline);
        if (committed.Any(c => c.Offset != 0)) throw new InvalidOperationException($"Kafka did not take the rewound offsets: {string.Join(", ", committed)}");
        member.Close();
        say("  projector killed, its offsets on Kafka rewound to 0");
    }

    /// <summary>An undecodable command on a user's partition, then a deposit of that user: the deposit is
    /// decided (the poison does not block the partition) and the poison is on the dead-letter topic,
    /// naming where it came from and why.</summary>
    private async Task<IReadOnlyList<ExpectedCommand>> Poison(Random random, string tag)
    {
        var options = ledger.Kafka.Options;
        var user = _users[random.Next(_users.Length)];
        var partition = UserPartitioner.PartitionOf(user, options.Partitions);
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(ledger.Kafka.BootstrapServers)).Build();
        var poison = await producer.ProduceAsync(new TopicPartition(options.CommandsTopic, partition),
            new Message<string, byte[]> { Key = user, Value = Encoding.UTF8.GetBytes($"{{\"type\":\"Deposit\",\"userId\":\"{user}\",\"amount\":") });
        var key = $"{tag}-after-poison";
        var after = await ledger.SendUntilDecided("/v1/deposits", new { userId = user, asset = "USD", amount = "1.00" }, key, TimeSpan.FromSeconds(120));
        if (!TrialLoad.Accepted(after)) throw new InvalidOperationException($"the deposit after the poison was not accepted: {after.Status} {after.Body}");
        var reason = await DeadLetterReason($"{options.CommandsTopic}/{partition}/{poison.Offset.Value}", partition);
        say($"  poison at {options.CommandsTopic}/{partition}/{poison.Offset.Value} dead-lettered ({reason}); the next command was decided");
        return [new ExpectedCommand(user, key, $"deposit after poison {key}", after)];
    }

    private async Task<string> DeadLetterReason(string source, int partition)
    {
        var config = KafkaClients.Consumer(ledger.Kafka.BootstrapServers, $"soak-dead-letter-{Guid.NewGuid():N}");
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Assign(new TopicPartitionOffset(ledger.Kafka.Options.DeadLetterTopic, partition, Offset.Beginning));
        string? reason = null;
        await Eventually.Until(() =>
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record?.Message is not null && record.Message.Headers.Find("ledger-source") == source)
                reason = record.Message.Headers.Find("ledger-dead-letter-reason");
            return Task.FromResult(reason is not null);
        }, KafkaDeadline, $"{source} is on {ledger.Kafka.Options.DeadLetterTopic} with its reason");
        return string.IsNullOrWhiteSpace(reason) ? throw new InvalidOperationException($"{source} was dead-lettered without a reason") : reason!;
    }

    /// <summary>Every expected command has exactly one decision in the event store, and the outcome its
    /// client was told: accepted if it was answered 201, refused with the same code if 422.</summary>
    private async Task EveryCommandDecidedOnce(IReadOnlyList<ExpectedCommand> expected)
    {
        var problems = new List<string>();
        try
        {
            await Eventually.Until(async () =>
            {
                try
                {
                    var stored = await Decisions(expected.Select(e => e.Key).ToArray());
                    problems = [.. expected.Select(e => Problem(e, stored)).OfType<string>()];
                    return problems.Count == 0;
                }
                catch (NpgsqlException) { return false; } // PostgreSQL restarting
            }, SettleDeadline, "every command of the trial is decided once, as answered");
        }
        catch (TimeoutException timeout)
        {
            throw new InvalidOperationException($"{timeout.Message}\n{string.Join("\n", problems.Take(20))}\n{ledger.Logs}", timeout);
        }
    }

    /// <summary>Every transfer's saga has settled: each debit credited or refunded. The audit counts a step
    /// still in flight as no difference, so the trial waits for the sagas to end before it audits.</summary>
    private async Task EveryTransferSettled()
    {
        var unsettled = new List<string>();
        try
        {
            await Eventually.Until(async () =>
            {
                try
                {
                    unsettled = await UnsettledTransfers();
                    return unsettled.Count == 0;
                }
                catch (NpgsqlException) { return false; } // PostgreSQL restarting
            }, SettleDeadline, "every transfer is credited or refunded");
        }
        catch (TimeoutException timeout)
        {
            throw new InvalidOperationException($"{timeout.Message}\n{string.Join("\n", unsettled.Take(20))}\n{ledger.Logs}", timeout);
        }
    }

    private async Task<List<string>> UnsettledTransfers()
    {
        await using var connection = new NpgsqlConnection(ledger.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select body->>'fromUserId', body->>'transferId' from events
             where type in ('TransferDebited', 'TransferCredited', 'TransferRefunded')
             group by 1, 2 having not bool_or(type in ('TransferCredited', 'TransferRefunded'))
            """, connection);
        var unsettled = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) unsettled.Add($"transfer {reader.GetString(1)} of {reader.GetString(0)}: debited, neither credited nor refunded");
        return unsettled;
    }

    private static string? Problem(ExpectedCommand expected, IReadOnlyDictionary<(string, string), (long Commands, string? Code)> stored)
    {
        if (!stored.TryGetValue((expected.UserId, expected.Key), out var decision)) return $"{expected.What}: no decision stored";
        if (decision.Commands != 1) return $"{expected.What}: {decision.Commands} commands decided for one idempotency key";
        if (expected.Answer is null) return decision.Code is null ? null : $"{expected.What}: refused {decision.Code}";
        var told = TrialLoad.Accepted(expected.Answer) ? null : expected.Answer.Code;
        return told == decision.Code ? null : $"{expected.What}: told {told ?? "accepted"}, stored {decision.Code ?? "accepted"}";
    }

    private async Task<Dictionary<(string, string), (long Commands, string? Code)>> Decisions(string[] keys)
    {
        await using var connection = new NpgsqlConnection(ledger.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select user_id, idempotency_key, count(distinct command_id), max(rejection_code) from events
             where idempotency_key = any($1) group by user_id, idempotency_key
            """, connection);
        command.Parameters.AddWithValue(keys);
        var decisions = new Dictionary<(string, string), (long, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            decisions[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        return decisions;
    }

    private static string Checked(System.Text.Json.JsonElement report) => string.Join(", ", report.GetProperty("checks").EnumerateArray()
        .Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("checked").GetInt64()}"));
}
