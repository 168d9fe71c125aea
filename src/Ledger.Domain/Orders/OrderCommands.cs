using Ledger.Domain.Markets;

namespace Ledger.Domain.Orders;

public enum Side
{
    Buy,
    Sell,
}

/// <summary>A limit order of the requesting user; the order id is that user's own. Price is quote minor units per one whole base
/// unit; quantity is base minor units. Placing it holds what it could cost (buy: the quote amount,
/// rounded up; sell: the quantity of the base asset).</summary>
public sealed record PlaceOrder(Request Request, string OrderId, string Market, Side Side, long Price, long Quantity)
    : Command(Request);

/// <summary>The requesting user withdraws their open order; what is still held becomes available.</summary>
public sealed record CancelOrder(Request Request, string OrderId) : Command(Request);

/// <summary>
/// Posted by the matching engine, on the partition of the order's owner (Request.UserId): part of
/// the order traded. Quantity in base minor units, price as for orders, fee in the asset the owner
/// receives (base for a buy, quote for a sell). Market and Side repeat the order's, so the codec can
/// read the amounts in the right scales before the order is looked up; a mismatch is refused.
/// </summary>
public sealed record Fill(
    Request Request, string OrderId, string FillId, string Market, Side Side, long Quantity, long Price, long Fee)
    : Command(Request);

/// <summary>Where an order stands.</summary>
public enum OrderStatus
{
    Open,
    Cancelled,
    Filled,
}

/// <summary>An order as the partition remembers it. HeldRemaining is what is still held for it, in
/// the asset it holds (quote for a buy, base for a sell).</summary>
public sealed record Order(
    string OrderId, string OwnerId, Market Market, Side Side, long Price, long Quantity, long Filled, long HeldRemaining,
    OrderStatus Status)
{
    public long RemainingQuantity => Quantity - Filled;

    public string HeldAsset => Side == Side.Buy ? Market.QuoteAsset : Market.BaseAsset;

    public string ReceivedAsset => Side == Side.Buy ? Market.BaseAsset : Market.QuoteAsset;
}
