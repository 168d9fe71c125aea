using Ledger.Domain.Accounts;
using Ledger.Domain.Markets;

namespace Ledger.Domain.Orders;

/// <summary>An order was accepted: Held moves from the user's available to held in the held asset.</summary>
public sealed record OrderPlaced(
    Request Request, DateTimeOffset At, string OrderId, Market Market, Side Side, long Price, long Quantity, long Held)
    : LedgerEvent(Request, At)
{
    public override string Asset => Side == Side.Buy ? Market.QuoteAsset : Market.BaseAsset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.User(Request.UserId, Book.Available, Asset, -Held);
        into[1] = Posting.User(Request.UserId, Book.Held, Asset, Held);
        return 2;
    }
}

/// <summary>An order was refused. Asset is the asset it would have held, or empty when the market is unknown.</summary>
public sealed record OrderRejected(
    Request Request, DateTimeOffset At, string OrderId, string Market, Side Side, string Asset, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    internal override int WritePostings(Span<Posting> into) => 0;
}

/// <summary>An open order was withdrawn: Released (all it still held) goes back to available.</summary>
public sealed record OrderCancelled(Request Request, DateTimeOffset At, string OrderId, string Asset, long Released)
    : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.User(Request.UserId, Book.Held, Asset, -Released);
        into[1] = Posting.User(Request.UserId, Book.Available, Asset, Released);
        return 2;
    }
}

/// <summary>A cancel was refused (order_not_found, order_not_open).</summary>
public sealed record CancelRejected(Request Request, DateTimeOffset At, string OrderId, string Code) : LedgerEvent(Request, At), IRejection
{
    public override string Asset => "";
    internal override int WritePostings(Span<Posting> into) => 0;
}

/// <summary>
/// Part of an order traded. QuoteAmount is what changed hands in the quote asset: for a buy what the
/// owner paid out of the hold, for a sell what the owner was paid before the fee. Fee is in the
/// asset received and goes to the Fees book. Released is hold given back to available: the saving of
/// a better price, rounding left over, or all that is left when the order is Completed.
/// The other side of the trade is the TradeSettlement book; the matching engine's counterparty
/// settles against it on their own partition.
/// </summary>
public sealed record OrderFilled(
    Request Request, DateTimeOffset At, string OrderId, string FillId, Market Market, Side Side, long Quantity, long Price,
    long QuoteAmount, long Fee, long Released, bool Completed)
    : LedgerEvent(Request, At)
{
    public override string Asset => Side == Side.Buy ? Market.QuoteAsset : Market.BaseAsset;

    /// <summary>Six legs: what the user gives from the hold (and what of it is released), what they
    /// receive less the fee, and the TradeSettlement and Fees books on the other sides.</summary>
    internal override int WritePostings(Span<Posting> into)
    {
        var user = Request.UserId;
        // A buy gives quote out of the hold and receives base; a sell gives base and receives quote.
        var (given, received) = Side == Side.Buy ? (Market.QuoteAsset, Market.BaseAsset) : (Market.BaseAsset, Market.QuoteAsset);
        var (amountGiven, amountReceived) = Side == Side.Buy ? (QuoteAmount, Quantity) : (Quantity, QuoteAmount);
        into[0] = Posting.User(user, Book.Held, given, -amountGiven - Released);
        into[1] = Posting.System(Book.TradeSettlement, given, amountGiven);
        into[2] = Posting.User(user, Book.Available, given, Released);
        into[3] = Posting.System(Book.TradeSettlement, received, -amountReceived);
        into[4] = Posting.User(user, Book.Available, received, amountReceived - Fee);
        into[5] = Posting.System(Book.Fees, received, Fee);
        return 6;
    }
}

/// <summary>A fill was refused (order_not_found, order_not_open, overfill, price_beyond_limit,
/// fill_mismatch, invalid_amount). The matching engine must reconcile it.</summary>
public sealed record FillRejected(Request Request, DateTimeOffset At, string OrderId, string FillId, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset => "";
    internal override int WritePostings(Span<Posting> into) => 0;
}
