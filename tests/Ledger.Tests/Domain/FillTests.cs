using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Orders;
using Xunit;
using static Ledger.Tests.Domain.Build;

namespace Ledger.Tests.Domain;

/// <summary>BTC-USD: prices in cents per whole bitcoin, quantities in satoshis (10^8 per bitcoin).</summary>
public sealed class FillTests
{
    private const long ThirtyThousandDollars = 3_000_000;
    private const long OneBitcoin = 100_000_000;

    /// <summary>Alice has 50,000.00 USD and bids for 1 BTC at 30,000.00: 30,000.00 USD held.</summary>
    private static Scenario AliceBidsForOneBitcoin() =>
        Scenario.Given(Deposited(Alice, "USD", 5_000_000),
            OrderPlaced(Alice, "o-1", Side.Buy, ThirtyThousandDollars, OneBitcoin, held: 3_000_000));

    [Fact]
    public void partial_fill_of_a_buy_pays_from_the_hold_and_credits_the_base_asset_less_the_fee()
    {
        var fill = Fill(Alice, "o-1", "f-1", Side.Buy, quantity: 40_000_000, price: ThirtyThousandDollars, fee: 40_000);
        var scenario = AliceBidsForOneBitcoin()
            .When(fill)
            .Then(new OrderFilled(fill.Request, Scenario.Now, "o-1", "f-1", BtcUsd, Side.Buy, 40_000_000, ThirtyThousandDollars,
                QuoteAmount: 1_200_000, Fee: 40_000, Released: 0, Completed: false))
            .ThenBalance(Alice, "USD", available: 2_000_000, held: 1_800_000)
            .ThenBalance(Alice, "BTC", available: 39_960_000, held: 0);
        var order = scenario.OrderOf(Alice, "o-1");
        Assert.Equal((40_000_000L, 1_800_000L, OrderStatus.Open), (order.Filled, order.HeldRemaining, order.Status));
    }

    [Fact]
    public void fill_postings_send_the_fee_to_the_fees_book_and_settle_against_trade_settlement()
    {
        var scenario = AliceBidsForOneBitcoin().When(Fill(Alice, "o-1", "f-1", Side.Buy, 40_000_000, ThirtyThousandDollars, 40_000));
        var postings = Assert.Single(scenario.Decided).Postings;
        Assert.Contains(Posting.System(Book.Fees, "BTC", 40_000), postings);
        Assert.Contains(Posting.System(Book.TradeSettlement, "USD", 1_200_000), postings);
        Assert.Contains(Posting.System(Book.TradeSettlement, "BTC", -40_000_000), postings);
        Assert.True(Posting.Balance(postings));
    }

    [Fact]
    public void fill_at_a_better_price_than_the_limit_releases_the_difference() =>
        AliceBidsForOneBitcoin()
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, quantity: 50_000_000, price: 2_900_000, fee: 0))
            .ThenBalance(Alice, "USD", available: 2_050_000, held: 1_500_000)
            .ThenBalance(Alice, "BTC", available: 50_000_000, held: 0);

    [Fact]
    public void completing_fill_releases_whatever_is_still_held_and_closes_the_order()
    {
        var scenario = AliceBidsForOneBitcoin()
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, quantity: OneBitcoin, price: 2_900_000, fee: 0))
            .ThenBalance(Alice, "USD", available: 2_100_000, held: 0)
            .ThenBalance(Alice, "BTC", available: OneBitcoin, held: 0);
        var filled = Assert.IsType<OrderFilled>(Assert.Single(scenario.Decided));
        Assert.Equal((2_900_000L, 100_000L, true), (filled.QuoteAmount, filled.Released, filled.Completed));
        Assert.Equal(OrderStatus.Filled, scenario.OrderOf(Alice, "o-1").Status);
    }

    [Fact]
    public void fills_whose_costs_round_up_never_take_more_than_the_hold()
    {
        // 33,333.33 USD x 3 satoshis = 0.9999999 cents: held 1 cent. Each satoshi alone would round
        // up to 1 cent, so three fills rounded up alone would cost 3 cents; the hold caps them at 1.
        var scenario = Scenario.Given(Deposited(Alice, "USD", 10), OrderPlaced(Alice, "o-1", Side.Buy, 3_333_333, 3, held: 1));
        foreach (var fillId in new[] { "f-1", "f-2", "f-3" })
            scenario.When(Fill(Alice, "o-1", fillId, Side.Buy, quantity: 1, price: 3_333_333, fee: 0));
        scenario.ThenBalance(Alice, "USD", available: 9, held: 0).ThenBalance(Alice, "BTC", available: 3, held: 0);
        Assert.Equal(OrderStatus.Filled, scenario.OrderOf(Alice, "o-1").Status);
    }

    [Fact]
    public void sell_fill_pays_the_quote_amount_rounded_down_less_the_fee()
    {
        // 31,000.00 USD x 0.25000001 BTC = 7,750.0003 USD: the seller is paid 7,750.00.
        var scenario = Scenario.Given(Deposited(Alice, "BTC", OneBitcoin),
                OrderPlaced(Alice, "o-1", Side.Sell, ThirtyThousandDollars, OneBitcoin, held: OneBitcoin))
            .When(Fill(Alice, "o-1", "f-1", Side.Sell, quantity: 25_000_001, price: 3_100_000, fee: 100))
            .ThenBalance(Alice, "USD", available: 774_900, held: 0)
            .ThenBalance(Alice, "BTC", available: 0, held: 74_999_999);
        Assert.Equal(775_000, Assert.IsType<OrderFilled>(Assert.Single(scenario.Decided)).QuoteAmount);
    }

    [Fact]
    public void fill_beyond_the_remaining_quantity_is_rejected_with_overfill() =>
        AliceBidsForOneBitcoin()
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, 60_000_000, ThirtyThousandDollars, 0))
            .When(Fill(Alice, "o-1", "f-2", Side.Buy, 40_000_001, ThirtyThousandDollars, 0))
            .ThenRejected("overfill")
            .ThenBalance(Alice, "USD", available: 2_000_000, held: 1_200_000);

    [Fact]
    public void fill_on_a_cancelled_order_is_rejected_with_order_not_open() =>
        AliceBidsForOneBitcoin()
            .When(CancelOrder(Alice, "o-1"))
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, 1, ThirtyThousandDollars, 0))
            .ThenRejected("order_not_open")
            .ThenBalance(Alice, "USD", available: 5_000_000, held: 0);

    [Fact]
    public void fill_at_a_worse_price_than_the_limit_is_rejected_with_price_beyond_limit() =>
        AliceBidsForOneBitcoin().When(Fill(Alice, "o-1", "f-1", Side.Buy, 1, 3_000_001, 0)).ThenRejected("price_beyond_limit");

    [Fact]
    public void fill_with_a_fee_above_what_is_received_is_rejected_with_invalid_amount() =>
        AliceBidsForOneBitcoin().When(Fill(Alice, "o-1", "f-1", Side.Buy, 10, ThirtyThousandDollars, 11)).ThenRejected("invalid_amount");

    [Fact]
    public void fill_naming_another_side_is_rejected_with_fill_mismatch() =>
        AliceBidsForOneBitcoin().When(Fill(Alice, "o-1", "f-1", Side.Sell, 10, ThirtyThousandDollars, 0)).ThenRejected("fill_mismatch");

    [Fact]
    public void fill_of_another_users_order_is_rejected_with_order_not_found() =>
        AliceBidsForOneBitcoin().When(Fill(Bob, "o-1", "f-1", Side.Buy, 10, ThirtyThousandDollars, 0)).ThenRejected("order_not_found");

    [Fact]
    public void a_repeated_fill_id_under_a_new_idempotency_key_applies_once_and_is_refused_with_duplicate_fill_id() =>
        AliceBidsForOneBitcoin()
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, 40_000_000, ThirtyThousandDollars, 0))
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, 40_000_000, ThirtyThousandDollars, 0))
            .ThenRejected("duplicate_fill_id")
            .ThenBalance(Alice, "BTC", available: 40_000_000, held: 0);
}
