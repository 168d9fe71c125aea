using Ledger.Domain;
using Ledger.Domain.Accounts;
using Xunit;
using static Ledger.Tests.Domain.Build;

namespace Ledger.Tests.Domain;

public sealed class DepositWithdrawTests
{
    [Fact]
    public void deposit_credits_available()
    {
        var deposit = Deposit(Alice, "USD", 10_000);
        Scenario.Given()
            .When(deposit)
            .Then(new Deposited(deposit.Request, Scenario.Now, "USD", 10_000))
            .ThenBalance(Alice, "USD", available: 10_000, held: 0);
    }

    [Fact]
    public void deposit_of_zero_is_rejected_with_invalid_amount() =>
        Scenario.Given().When(Deposit(Alice, "USD", 0)).ThenRejected("invalid_amount");

    [Fact]
    public void deposit_that_would_pass_the_balance_limit_is_rejected_with_balance_limit_exceeded() =>
        Scenario.Given(Deposited(Alice, "USD", Balance.MinorUnitsMax - 5))
            .When(Deposit(Alice, "USD", 6))
            .ThenRejected("balance_limit_exceeded");

    [Fact]
    public void withdrawal_takes_from_available()
    {
        var withdraw = Withdraw(Alice, "USD", 4_000);
        Scenario.Given(Deposited(Alice, "USD", 10_000))
            .When(withdraw)
            .Then(new Withdrawn(withdraw.Request, Scenario.Now, "USD", 4_000))
            .ThenBalance(Alice, "USD", available: 6_000, held: 0);
    }

    [Fact]
    public void withdrawal_beyond_available_is_rejected_with_insufficient_funds() =>
        Scenario.Given(Deposited(Alice, "USD", 10_000))
            .When(Withdraw(Alice, "USD", 10_001))
            .ThenRejected("insufficient_funds")
            .ThenBalance(Alice, "USD", available: 10_000, held: 0);

    [Fact]
    public void a_remembered_idempotency_key_decides_nothing()
    {
        var scenario = Scenario.Given().When(Deposit(Alice, "USD", 100, key: "k-1"));
        scenario.When(Deposit(Alice, "USD", 100, key: "k-1")).ThenNothing().ThenBalance(Alice, "USD", 100, 0);
    }

    [Fact]
    public void the_same_key_of_another_user_is_another_request() =>
        Scenario.Given()
            .When(Deposit(Alice, "USD", 100, key: "k-1"))
            .When(Deposit(Bob, "USD", 100, key: "k-1"))
            .ThenBalance(Bob, "USD", 100, 0);

    [Fact]
    public void postings_of_every_kind_of_event_sum_to_zero_per_asset()
    {
        Assert.True(Posting.Balance(Deposited(Alice, "USD", 5).Postings));
        Assert.True(Posting.Balance((IEnumerable<Posting>)TransferDebited(Alice, Bob, "BTC", 7).Postings));
        Assert.False(Posting.Balance([Posting.User(Alice, Book.Available, "USD", 1), Posting.User(Alice, Book.Available, "BTC", -1)]));
        Assert.True(Posting.Balance([
            Posting.User(Alice, Book.Available, "USD", long.MaxValue), Posting.User(Alice, Book.Held, "USD", long.MaxValue),
            Posting.System(Book.Fees, "USD", long.MinValue), Posting.System(Book.Fees, "USD", long.MinValue + 2),
        ]));
    }

    [Fact]
    public void an_unknown_command_throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LedgerDecider.Decide(new Unknown(RequestOf(Alice)), new LedgerState(), Scenario.Now));

    private sealed record Unknown(Request Request) : Command(Request);
}
