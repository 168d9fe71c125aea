using Ledger.Domain;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Transfers;
using Xunit;

namespace Ledger.Tests.Domain;

/// <summary>
/// The idempotency window is event time: an event's At is the writer's clock when it decided it, and a
/// partition forgets a key once an event is decided more than the window after the key's own. So the
/// machine's clock stepped (time injected here, as the writer takes it from its TimeProvider) does this:
/// - stepped forward by S: the next decision forgets the keys of the last S of real time early (all of
///   them when S is the window or more), and a client's retry of such a key is decided again. Only the
///   idempotency key guards a deposit or a withdrawal; transfers, orders and fills also carry their own
///   ids, remembered for good, so their repeats are refused however the clock moved.
/// - stepped back by S: events get earlier times than those before them, and keys are remembered S
///   longer (forgetting waits for event time to pass theirs again). Nothing is decided twice.
/// </summary>
public sealed class ClockStepTests
{
    private static readonly DateTimeOffset Before = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = IdempotencyMemory.WindowDefault;

    [Fact]
    public void a_clock_stepped_forward_by_the_window_forgets_every_key_so_a_retried_deposit_is_decided_again()
    {
        var state = new LedgerState(Window);
        var deposit = DepositOf("alice", "deposit-1");
        Decide(state, deposit, Before);
        Assert.Empty(LedgerDecider.Decide(deposit, state, Before.AddSeconds(1))); // a retry a second later is a repeat

        var stepped = Before + Window + TimeSpan.FromSeconds(1); // the clock jumps a day ahead
        Decide(state, DepositOf("bob", "deposit-2"), stepped);   // any decision after the step forgets the old keys

        var retried = LedgerDecider.Decide(deposit, state, stepped);
        Assert.IsType<Deposited>(Assert.Single(retried)); // decided again: the same request moves money twice
    }

    [Fact]
    public void a_clock_stepped_forward_still_refuses_a_transfer_id_twice()
    {
        var state = new LedgerState(Window);
        Decide(state, DepositOf("alice", "deposit-1"), Before);
        var transfer = new Transfer(new Request(Guid.NewGuid(), "alice", "transfer-1", "fingerprint"), "t-1", "alice", "bob", "USD", 100);
        Decide(state, transfer, Before);

        var stepped = Before + Window + TimeSpan.FromSeconds(1);
        Decide(state, DepositOf("carol", "deposit-2"), stepped);
        var retried = Assert.Single(LedgerDecider.Decide(transfer, state, stepped));
        Assert.Equal(RejectionCode.DuplicateTransferId, Assert.IsType<TransferRejected>(retried).Code);
    }

    [Fact]
    public void a_clock_stepped_back_remembers_keys_longer_and_decides_nothing_twice()
    {
        var state = new LedgerState(Window);
        var deposit = DepositOf("alice", "deposit-1");
        Decide(state, deposit, Before);

        var stepped = Before - TimeSpan.FromHours(1); // the clock jumps an hour back
        Decide(state, DepositOf("bob", "deposit-2"), stepped);
        Assert.Empty(LedgerDecider.Decide(deposit, state, stepped));

        // A window after the step's time, but not after the key's own: still remembered.
        var windowAfterStep = stepped + Window + TimeSpan.FromSeconds(1);
        Decide(state, DepositOf("bob", "deposit-3"), windowAfterStep);
        Assert.Empty(LedgerDecider.Decide(deposit, state, windowAfterStep));

        // A window after the key's own time: forgotten, as without the step.
        var windowAfterKey = Before + Window + TimeSpan.FromSeconds(1);
        Decide(state, DepositOf("bob", "deposit-4"), windowAfterKey);
        Assert.IsType<Deposited>(Assert.Single(LedgerDecider.Decide(deposit, state, windowAfterKey)));
    }

    private static Deposit DepositOf(string user, string key) => new(new Request(Guid.NewGuid(), user, key, "fingerprint"), "USD", 10_000);

    private static void Decide(LedgerState state, Command command, DateTimeOffset now)
    {
        var decided = LedgerDecider.Decide(command, state, now);
        Assert.NotEmpty(decided);
        foreach (var @event in decided) LedgerDecider.Evolve(state, @event);
    }
}
