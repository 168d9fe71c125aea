using System.Diagnostics;
using System.Net;
using Ledger.Kafka;
using Ledger.Tests.Integration;
using Ledger.Tests.Support;

namespace Ledger.Tests.Faults;

/// <summary>A command the trial expects decided exactly once: sent through HTTP (with the answer it
/// finally got, when it was first sent and when it was answered as decided, in Stopwatch timestamps)
/// or produced straight onto ledger.commands (no answer, no times).</summary>
public sealed record ExpectedCommand(string UserId, string Key, string What, Answer? Answer, long SentAt = 0, long DecidedAt = 0);

/// <summary>
/// One trial's traffic, as a pool of careful clients sends it: deposits, withdrawals (some refused for
/// lack of money) and transfers to users on other partitions, each retried with its Idempotency-Key
/// until the ledger says what it decided (201 or 422), so a fault may delay a command but never
/// excuse losing or doubling it. Bounded: the planned commands, and more at a slower pace until the fault
/// is over and a few after it (at most five times the planned ones in all), and a deadline per command.
/// </summary>
public sealed class TrialLoad(RunningLedger ledger, IReadOnlyList<string> users, Random random, string tag, int commands, int clients)
{
    private static readonly TimeSpan DecisionDeadline = TimeSpan.FromSeconds(150);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _answered;
    private int _trigger = int.MaxValue;

    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Completes once this many commands are answered (or the load ends).</summary>
    public Task WhenAnswered(int count)
    {
        Volatile.Write(ref _trigger, count);
        if (Answered >= count) _reached.TrySetResult();
        return _reached.Task;
    }

    /// <summary>After the fault is over, the load goes on for at least this many more commands (beyond
    /// the planned ones if need be), so every fault has commands sent after it to measure recovery by.</summary>
    private int TailAfterFault => 2 * clients;

    /// <summary>At most this many times the planned commands in all; the ones past the plan are sent
    /// at a client's pace, so a long fault does not make the ledger (and its audit) much bigger.</summary>
    private const int ExtraFactor = 5;
    private static readonly TimeSpan ExtraPace = TimeSpan.FromMilliseconds(250);

    private int _next = -1;
    private int _faultOverAt = int.MaxValue;

    /// <summary>Says the fault is over: the load sends <see cref="TailAfterFault"/> more commands at least.</summary>
    public void FaultOver() => Volatile.Write(ref _faultOverAt, Volatile.Read(ref _next) + 1);

    public async Task<IReadOnlyList<ExpectedCommand>> Run()
    {
        // Planned before sending, the extra ones too: the seed decides it all (how many of the extra
        // ones are sent depends on how long the fault lasts).
        var planned = Enumerable.Range(0, ExtraFactor * commands).Select(Plan).ToList();
        var done = new ExpectedCommand?[planned.Count];
        async Task Client()
        {
            while (true)
            {
                var index = Interlocked.Increment(ref _next);
                if (index >= planned.Count || (index >= commands && index >= (long)Volatile.Read(ref _faultOverAt) + TailAfterFault)) return;
                if (index >= commands) await Task.Delay(ExtraPace); // a client's pace past the plan, not a synchronisation
                var command = planned[index];
                var sentAt = Stopwatch.GetTimestamp();
                var answer = await ledger.SendUntilDecided(command.Path, command.Body, command.Key, DecisionDeadline);
                var decidedAt = Stopwatch.GetTimestamp();
                if (Interlocked.Increment(ref _answered) >= Volatile.Read(ref _trigger)) _reached.TrySetResult();
                done[index] = new ExpectedCommand(command.UserId, command.Key, $"{command.Path} {command.Key}", answer, sentAt, decidedAt);
            }
        }
        try
        {
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
            return [.. done.OfType<ExpectedCommand>()];
        }
        finally { _reached.TrySetResult(); }
    }

    private sealed record Planned(string Path, string UserId, string Key, object Body);

    private Planned Plan(int index)
    {
        var key = $"{tag}-{index}";
        var user = users[random.Next(users.Count)];
        var minor = (long)random.Next(1, 10_000);
        var amount = DepositsEndToEndTests.Format(minor, "USD");
        return random.Next(10) switch
        {
            < 5 => new Planned("/v1/deposits", user, key, new { userId = user, asset = "USD", amount }),
            < 7 => new Planned("/v1/withdrawals", user, key, new { userId = user, asset = "USD", amount }),
            _ => new Planned("/v1/transfers", user, key,
                new { transferId = key, fromUserId = user, toUserId = Receiver(user), asset = "USD", amount }),
        };
    }

    private string Receiver(string sender)
    {
        var partitions = ledger.Kafka.Options.Partitions;
        var others = users.Where(u => UserPartitioner.PartitionOf(u, partitions) != UserPartitioner.PartitionOf(sender, partitions)).ToList();
        return others[random.Next(others.Count)];
    }

    public static bool Accepted(Answer answer) => answer.Status == HttpStatusCode.Created;
}
