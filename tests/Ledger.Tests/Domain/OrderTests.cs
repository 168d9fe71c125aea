using Ledger.Domain.Orders;
using Xunit;
using static Ledger.Tests.Domain.Build;

namespace Ledger.Tests.Domain;

/// <summary>BTC-USD: prices in cents per whole bitcoin, quantities in satoshis (10^8 per bitcoin).</summary>
public sealed class OrderTests
{
    private const long ThirtyThousandDollars = 3_000_000;
    private const long HalfBitcoin = 50_000_000;

    [Fact]
    public void buy_order_holds_price_times_quantity_of_the_quote_asset()
    {
        var place = PlaceOrder(Alice, "o-1", Side.Buy, ThirtyThousandDollars, HalfBitcoin);
        Scenario.Given(Deposited(Alice, "USD", 2_000_000))
            .When(place)
            .Then(new OrderPlaced(place.Request, Scenario.Now, "o-1", BtcUsd, Side.Buy, ThirtyThousandDollars, HalfBitcoin, Held: 1_500_000))
            .ThenBalance(Alice, "USD", available: 500_000, held: 1_500_000);
    }

    [Fact]
    public void sell_order_holds_its_quantity_of_the_base_asset() =>
        Scenario.Given(Deposited(Alice, "BTC", 100_000_000))
            .When(PlaceOrder(Alice, "o-1", Side.Sell, ThirtyThousandDollars, HalfBitcoin))
            .ThenBalance(Alice, "BTC", available: 50_000_000, held: 50_000_000);

    [Fact]
    public void buy_hold_is_rounded_up_when_price_times_quantity_is_not_a_whole_minor_unit()
    {
        // 30,000.01 USD x 0.00000001 BTC = 0.0300000... cents: the hold is 1 cent, never 0.
        var scenario = Scenario.Given(Deposited(Alice, "USD", 100))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, 3_000_001, 1));
        Assert.Equal(1, Assert.IsType<OrderPlaced>(Assert.Single(scenario.Decided)).Held);
        scenario.ThenBalance(Alice, "USD", available: 99, held: 1);
    }

    [Fact]
    public void order_beyond_available_is_rejected_with_insufficient_funds() =>
        Scenario.Given(Deposited(Alice, "USD", 1_499_999))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, ThirtyThousandDollars, HalfBitcoin))
            .ThenRejected("insufficient_funds")
            .ThenBalance(Alice, "USD", available: 1_499_999, held: 0);

    [Fact]
    public void order_in_an_unknown_market_is_rejected_with_unknown_market() =>
        Scenario.Given(Deposited(Alice, "USD", 100))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, 1, 1, market: "DOGE-USD"))
            .ThenRejected("unknown_market");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-1, 1)]
    [InlineData(1, -5)]
    [InlineData(1_000_000_000_000_001, 1)]
    public void order_with_a_price_or_quantity_that_is_not_positive_or_too_large_is_rejected_with_invalid_amount(long price, long quantity) =>
        Scenario.Given(Deposited(Alice, "USD", 100))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, price, quantity))
            .ThenRejected("invalid_amount");

    [Fact]
    public void order_whose_hold_would_be_too_large_is_rejected_with_invalid_amount() =>
        Scenario.Given(Deposited(Alice, "USD", 100))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, 1_000_000_000_000_000, 1_000_000_000_000_000))
            .ThenRejected("invalid_amount");

    [Fact]
    public void order_with_an_order_id_already_used_is_rejected_with_duplicate_order_id() =>
        Scenario.Given(Deposited(Alice, "USD", 10_000_000), OrderPlaced(Alice, "o-1", Side.Buy, 1, 1, held: 1))
            .When(CancelOrder(Alice, "o-1"))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, ThirtyThousandDollars, HalfBitcoin))
            .ThenRejected("duplicate_order_id");

    /// <summary>Regression, found by the property test: a partition could not know other partitions'
    /// order ids, so whether "o-1" was taken depended on where its user lived.</summary>
    [Fact]
    public void order_ids_are_each_users_own() =>
        Scenario.Given(Deposited(Alice, "USD", 10), Deposited(Bob, "USD", 10), OrderPlaced(Bob, "o-1", Side.Buy, 1, 1, held: 1))
            .When(PlaceOrder(Alice, "o-1", Side.Buy, 1, 1))
            .When(CancelOrder(Bob, "o-1"))
            .ThenBalance(Alice, "USD", available: 9, held: 1)
            .ThenBalance(Bob, "USD", available: 10, held: 0);

    [Fact]
    public void cancel_releases_what_is_still_held()
    {
        var cancel = CancelOrder(Alice, "o-1");
        var scenario = Scenario.Given(Deposited(Alice, "USD", 2_000_000),
                OrderPlaced(Alice, "o-1", Side.Buy, ThirtyThousandDollars, HalfBitcoin, held: 1_500_000))
            .When(cancel)
            .Then(new OrderCancelled(cancel.Request, Scenario.Now, "o-1", "USD", Released: 1_500_000))
            .ThenBalance(Alice, "USD", available: 2_000_000, held: 0);
        Assert.Equal(OrderStatus.Cancelled, scenario.OrderOf(Alice, "o-1").Status);
    }

    [Fact]
    public void cancel_after_a_partial_fill_releases_only_the_rest() =>
        Scenario.Given(Deposited(Alice, "USD", 2_000_000),
                OrderPlaced(Alice, "o-1", Side.Buy, ThirtyThousandDollars, HalfBitcoin, held: 1_500_000))
            .When(Fill(Alice, "o-1", "f-1", Side.Buy, 10_000_000, ThirtyThousandDollars, fee: 0))
            .When(CancelOrder(Alice, "o-1"))
            .ThenBalance(Alice, "USD", available: 1_700_000, held: 0)
            .ThenBalance(Alice, "BTC", available: 10_000_000, held: 0);

    [Fact]
    public void cancel_of_another_users_order_is_rejected_with_order_not_found() =>
        Scenario.Given(Deposited(Bob, "USD", 10), OrderPlaced(Bob, "o-1", Side.Buy, 1, 1, held: 1))
            .When(CancelOrder(Alice, "o-1"))
            .ThenRejected("order_not_found")
            .ThenBalance(Bob, "USD", available: 9, held: 1);

    [Fact]
    public void cancel_of_an_unknown_order_is_rejected_with_order_not_found() =>
        Scenario.Given().When(CancelOrder(Alice, "o-404")).ThenRejected("order_not_found");

    [Fact]
    public void cancel_of_a_cancelled_order_is_rejected_with_order_not_open() =>
        Scenario.Given(Deposited(Alice, "USD", 10), OrderPlaced(Alice, "o-1", Side.Buy, 1, 1, held: 1))
            .When(CancelOrder(Alice, "o-1"))
            .When(CancelOrder(Alice, "o-1"))
            .ThenRejected("order_not_open");
}
