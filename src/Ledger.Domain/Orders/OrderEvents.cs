using Ledger.Domain.Accounts;
using Ledger.Domain.Markets;

namespace Ledger.Domain.Orders;

/// <summary>An order was accepted: Held moves from the user's available to held in the held asset.</summary>
public sealed record OrderPlaced(
    Request Request, DateTimeOffset At, string OrderId, Market Market, Side Side, long Price, long Quantity, long Held)
    : LedgerEvent(Request, At)
{
    public override string Asset => Side == Side.Buy ? Market.QuoteAsset : Market.BaseAsset;

    public override IReadOnlyList<Posting> Postings =>
    [
        Posting.User(Request.UserId, Book.Available, Asset, -Held),
        Posting.User(Request.UserId, Book.Held, Asset, Held),
    ];
}

/// <summary>An order was refused. Asset is the asset it would have held, or empty when the market is unknown.</summary>
public sealed record OrderRejected(
    Request Request, DateTimeOffset At, string OrderId, string Market, Side Side, string Asset, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    public override IReadOnlyList<Posting> Postings => [];
}

/// <summary>An open order was withdrawn: Released (all it still held) goes back to available.</summary>
public sealed record OrderCancelled(Request Request, DateTimeOffset At, string OrderId, string Asset, long Released)
    : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    public override IReadOnlyList<Posting> Postings =>
    [
        Posting.User(Request.UserId, Book.Held, Asset, -Released),
        Posting.User(Request.UserId, Book.Available, Asset, Released),
    ];
}

/// <summary>A cancel was refused (order_not_found, order_not_open).</summary>
public sealed record CancelRejected(Request Request, DateTimeOffset At, string OrderId, string Code) : LedgerEvent(Request, At), IRejection
{
    public override string Asset => "";
    public override IReadOnlyList<Posting> Postings => [];
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

    public override IReadOnlyList<Posting> Postings => Side == Side.Buy ? BuyPostings() : SellPostings();

    private Posting[] BuyPostings()
    {
        var (user, quote, @base) = (Request.UserId, Market.QuoteAsset, Market.BaseAsset);
        return
        [
            Posting.User(user, Book.Held, quote, -QuoteAmount - Released),
            Posting.System(Book.TradeSettlement, quote, QuoteAmount),
            Posting.User(user, Book.Available, quote, Released),
            Posting.System(Book.TradeSettlement, @base, -Quantity),
            Posting.User(user, Book.Available, @base, Quantity - Fee),
            Posting.System(Book.Fees, @base, Fee),
        ];
    }

    private Posting[] SellPostings()
    {
        var (user, quote, @base) = (Request.UserId, Market.QuoteAsset, Market.BaseAsset);
        return
        [
            Posting.User(user, Book.Held, @base, -Quantity - Released),
            Posting.System(Book.TradeSettlement, @base, Quantity),
            Posting.User(user, Book.Available, @base, Released),
            Posting.System(Book.TradeSettlement, quote, -QuoteAmount),
            Posting.User(user, Book.Available, quote, QuoteAmount - Fee),
            Posting.System(Book.Fees, quote, Fee),
        ];
    }
}

/// <summary>A fill was refused (order_not_found, order_not_open, overfill, price_beyond_limit,
/// fill_mismatch, invalid_amount). The matching engine must reconcile it.</summary>
public sealed record FillRejected(Request Request, DateTimeOffset At, string OrderId, string FillId, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset => "";
    public override IReadOnlyList<Posting> Postings => [];
}
