using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Transfers;
using Xunit;
using static Ledger.Tests.Domain.Build;

namespace Ledger.Tests.Domain;

/// <summary>Alice (on one partition) sends to Bob (on another); each partition is its own scenario.</summary>
public sealed class TransferTests
{
    [Fact]
    public void transfer_moves_the_senders_available_money_into_flight()
    {
        var transfer = Transfer(Alice, Bob, "USD", 4_000);
        var scenario = Scenario.Given(Deposited(Alice, "USD", 10_000))
            .When(transfer)
            .Then(new TransferDebited(transfer.Request, Scenario.Now, "t-1", Alice, Bob, "USD", 4_000))
            .ThenBalance(Alice, "USD", available: 6_000, held: 0);
        Assert.Contains(Posting.System(Book.TransfersInFlight, "USD", 4_000), scenario.Decided[0].Postings);
    }

    [Fact]
    public void a_debited_transfer_requires_a_credit_on_the_receivers_partition_with_a_deterministic_request()
    {
        var debited = TransferDebited(Alice, Bob, "USD", 4_000);
        var credit = Assert.IsType<CreditTransfer>(Assert.Single(LedgerDecider.FollowUps(debited)));
        Assert.Equal(new CreditTransfer(credit.Request, "t-1", Alice, Bob, "USD", 4_000), credit);
        Assert.Equal((Bob, "transfer:alice:t-1:credit"), (credit.Request.UserId, credit.Request.IdempotencyKey));
        Assert.Equal(credit, LedgerDecider.FollowUps(TransferDebited(Alice, Bob, "USD", 4_000)).Single());
        Assert.Empty(LedgerDecider.FollowUps(Deposited(Alice, "USD", 1)));
    }

    [Fact]
    public void transfer_to_oneself_is_rejected_with_same_account() =>
        Scenario.Given(Deposited(Alice, "USD", 10_000)).When(Transfer(Alice, Alice, "USD", 1)).ThenRejected("same_account");

    [Fact]
    public void transfer_beyond_available_is_rejected_with_insufficient_funds() =>
        Scenario.Given(Deposited(Alice, "USD", 10_000)).When(Transfer(Alice, Bob, "USD", 10_001)).ThenRejected("insufficient_funds");

    [Fact]
    public void transfer_with_a_used_transfer_id_is_rejected_with_duplicate_transfer_id() =>
        Scenario.Given(Deposited(Alice, "USD", 10_000), TransferDebited(Alice, Bob, "USD", 1))
            .When(Transfer(Alice, Bob, "USD", 1))
            .ThenRejected("duplicate_transfer_id")
            .ThenBalance(Alice, "USD", available: 9_999, held: 0);

    [Fact]
    public void credit_moves_the_money_in_flight_to_the_receiver_exactly_once()
    {
        var credit = TransferSaga.CreditFor(TransferDebited(Alice, Bob, "USD", 4_000));
        var scenario = Scenario.Given()
            .When(credit)
            .Then(new TransferCredited(credit.Request, Scenario.Now, "t-1", Alice, Bob, "USD", 4_000))
            .ThenBalance(Bob, "USD", available: 4_000, held: 0);
        Assert.Contains(Posting.System(Book.TransfersInFlight, "USD", -4_000), scenario.Decided[0].Postings);
        scenario.When(credit).ThenNothing();
        scenario.When(credit with { Request = RequestOf(Bob) }).ThenNothing().ThenBalance(Bob, "USD", available: 4_000, held: 0);
    }

    [Fact]
    public void credit_that_would_pass_the_receivers_balance_limit_is_rejected_and_requires_a_refund()
    {
        var credit = TransferSaga.CreditFor(TransferDebited(Alice, Bob, "USD", 4_000));
        var scenario = Scenario.Given(Deposited(Bob, "USD", Balance.MinorUnitsMax - 1))
            .When(credit)
            .ThenRejected("balance_limit_exceeded");
        var refund = Assert.IsType<RefundTransfer>(Assert.Single(LedgerDecider.FollowUps(scenario.Decided[0])));
        Assert.Equal((Alice, "transfer:alice:t-1:refund"), (refund.Request.UserId, refund.Request.IdempotencyKey));
        scenario.When(credit with { Request = RequestOf(Bob) }).ThenNothing();
    }

    [Fact]
    public void refund_returns_the_money_in_flight_to_the_sender_exactly_once()
    {
        var debited = TransferDebited(Alice, Bob, "USD", 4_000);
        var creditRejected = new TransferCreditRejected(RequestOf(Bob), Scenario.Now, "t-1", Alice, Bob, "USD", 4_000,
            "balance_limit_exceeded");
        var refund = TransferSaga.RefundFor(creditRejected);
        var scenario = Scenario.Given(Deposited(Alice, "USD", 10_000), debited)
            .When(refund)
            .Then(new TransferRefunded(refund.Request, Scenario.Now, "t-1", Alice, Bob, "USD", 4_000))
            .ThenBalance(Alice, "USD", available: 10_000, held: 0);
        scenario.When(refund with { Request = RequestOf(Alice) }).ThenNothing().ThenBalance(Alice, "USD", available: 10_000, held: 0);
    }

    [Fact]
    public void refund_of_a_transfer_this_partition_never_debited_is_an_invariant_violation()
    {
        var creditRejected = new TransferCreditRejected(RequestOf(Bob), Scenario.Now, "t-9", Alice, Bob, "USD", 4_000, "x");
        Assert.Throws<LedgerInvariantViolation>(() => Scenario.Given().When(TransferSaga.RefundFor(creditRejected)));
    }

    [Fact]
    public void follow_up_command_ids_are_name_based_and_stable()
    {
        Assert.Equal(TransferSaga.NameBasedId("transfer:t-1:credit"), TransferSaga.NameBasedId("transfer:t-1:credit"));
        Assert.NotEqual(TransferSaga.NameBasedId("transfer:t-1:credit"), TransferSaga.NameBasedId("transfer:t-1:refund"));
        Assert.Equal(5, TransferSaga.NameBasedId("transfer:t-1:credit").Version);
    }

    /// <summary>Regression, found by the property test: transfer ids are each sender's own, and a
    /// receiver credited by one sender's t-1 dropped another sender's t-1, leaving it in flight.</summary>
    [Fact]
    public void credits_of_two_senders_using_the_same_transfer_id_both_apply()
    {
        const string Carol = "carol";
        Scenario.Given()
            .When(TransferSaga.CreditFor(TransferDebited(Alice, Bob, "USD", 4_000)))
            .When(TransferSaga.CreditFor(TransferDebited(Carol, Bob, "USD", 1_000)))
            .ThenBalance(Bob, "USD", available: 5_000, held: 0);
    }
}
