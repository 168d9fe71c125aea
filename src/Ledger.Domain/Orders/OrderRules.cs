using Ledger.Domain.Markets;

namespace Ledger.Domain.Orders;

/// <summary>How orders are placed, cancelled and filled; and how those facts change the orders a
/// partition remembers. The balances themselves move only through the events' postings.</summary>
internal static class OrderRules
{
    public static LedgerEvent DecidePlace(PlaceOrder command, LedgerState state, DateTimeOffset now)
    {
        var request = command.Request;
        LedgerEvent Rejected(string asset, string code) =>
            new OrderRejected(request, now, command.OrderId, command.Market, command.Side, asset, code);

        if (!state.Markets.TryGet(command.Market, out var market)) return Rejected("", RejectionCode.UnknownMarket);
        var heldAsset = command.Side == Side.Buy ? market.QuoteAsset : market.BaseAsset;
        if (string.IsNullOrEmpty(command.OrderId) || command.Side is not (Side.Buy or Side.Sell)
            || !IsPositiveAmount(command.Price) || !IsPositiveAmount(command.Quantity)
            || !TryHoldFor(command.Side, command.Price, command.Quantity, state.Markets.BaseUnitOf(market), out var held))
            return Rejected(heldAsset, RejectionCode.InvalidAmount);
        if (state.TryGetOrder(request.UserId, command.OrderId, out _)) return Rejected(heldAsset, RejectionCode.DuplicateOrderId);
        if (state.BalanceOf(request.UserId, heldAsset).Available < held)
            return Rejected(heldAsset, RejectionCode.InsufficientFunds);
        return new OrderPlaced(request, now, command.OrderId, market, command.Side, command.Price, command.Quantity, held);
    }

    /// <summary>A buy holds price x quantity of the quote asset, rounded up so it never holds too little;
    /// a sell holds its quantity of the base asset.</summary>
    private static bool TryHoldFor(Side side, long price, long quantity, long baseUnit, out long held)
    {
        if (side == Side.Sell) { held = quantity; return true; }
        return QuoteAmount.TryRoundUp(price, quantity, baseUnit, out held) && IsPositiveAmount(held);
    }

    public static LedgerEvent DecideCancel(CancelOrder command, LedgerState state, DateTimeOffset now)
    {
        var request = command.Request;
        if (!state.TryGetOrder(request.UserId, command.OrderId, out var order))
            return new CancelRejected(request, now, command.OrderId, RejectionCode.OrderNotFound);
        if (order.Status != OrderStatus.Open)
            return new CancelRejected(request, now, command.OrderId, RejectionCode.OrderNotOpen);
        return new OrderCancelled(request, now, order.OrderId, order.HeldAsset, order.HeldRemaining);
    }

    /// <summary>A fill id already applied, under a new idempotency key (the same key is a repeat, answered
    /// with its first outcome before this), is refused: the fill applies once, and its caller hears why.</summary>
    public static IReadOnlyList<LedgerEvent> DecideFill(Fill fill, LedgerState state, DateTimeOffset now)
    {
        if (state.HasAppliedFill(fill.Request.UserId, fill.OrderId, fill.FillId))
            return [new FillRejected(fill.Request, now, fill.OrderId, fill.FillId, RejectionCode.DuplicateFillId)];
        return [DecideNewFill(fill, state, now)];
    }

    private static LedgerEvent DecideNewFill(Fill fill, LedgerState state, DateTimeOffset now)
    {
        LedgerEvent Rejected(string code) => new FillRejected(fill.Request, now, fill.OrderId, fill.FillId, code);

        if (!state.TryGetOrder(fill.Request.UserId, fill.OrderId, out var order))
            return Rejected(RejectionCode.OrderNotFound);
        if (order.Market.Symbol != fill.Market || order.Side != fill.Side) return Rejected(RejectionCode.FillMismatch);
        if (order.Status != OrderStatus.Open) return Rejected(RejectionCode.OrderNotOpen);
        if (!IsPositiveAmount(fill.Quantity) || !IsPositiveAmount(fill.Price) || fill.Fee < 0)
            return Rejected(RejectionCode.InvalidAmount);
        if (fill.Quantity > order.RemainingQuantity) return Rejected(RejectionCode.Overfill);
        var priceWithinLimit = order.Side == Side.Buy ? fill.Price <= order.Price : fill.Price >= order.Price;
        if (!priceWithinLimit) return Rejected(RejectionCode.PriceBeyondLimit);

        var baseUnit = state.Markets.BaseUnitOf(order.Market);
        var settled = order.Side == Side.Buy ? TrySettleBuy(order, fill, baseUnit) : TrySettleSell(order, fill, baseUnit);
        if (settled is not { } amounts) return Rejected(RejectionCode.InvalidAmount);
        var (quoteAmount, released) = amounts;
        var received = order.Side == Side.Buy ? fill.Quantity : quoteAmount;
        if (fill.Fee > received) return Rejected(RejectionCode.InvalidAmount);
        // As a deposit or a transfer's credit is: no balance may grow past what a balance can hold.
        var receivedAsset = order.Side == Side.Buy ? order.Market.BaseAsset : order.Market.QuoteAsset;
        if (state.BalanceOf(fill.Request.UserId, receivedAsset).CannotTake(received - fill.Fee))
            return Rejected(RejectionCode.BalanceLimitExceeded);

        var completed = fill.Quantity == order.RemainingQuantity;
        return new OrderFilled(fill.Request, now, order.OrderId, fill.FillId, order.Market, order.Side, fill.Quantity,
            fill.Price, quoteAmount, fill.Fee, released, completed);
    }

    /// <summary>
    /// A buyer pays price x quantity rounded up, like the hold. Holds and costs rounded up fill by fill
    /// can add up to one minor unit more per fill than the hold (rounded up once) covers, so the cost
    /// is capped at what the hold can spare while still covering the rest of the order at its limit.
    /// The cap only ever bites by that one rounding unit: a fill costs price x quantity, exact or
    /// rounded down or up, never more. What the hold no longer needs is released, never below zero.
    /// </summary>
    private static (long QuoteAmount, long Released)? TrySettleBuy(Order order, Fill fill, long baseUnit)
    {
        if (!QuoteAmount.TryRoundUp(fill.Price, fill.Quantity, baseUnit, out var cost)) return null;
        if (!QuoteAmount.TryRoundUp(order.Price, order.RemainingQuantity - fill.Quantity, baseUnit, out var stillNeeded))
            return null;
        var spare = order.HeldRemaining - stillNeeded;
        if (spare < 0)
            throw new LedgerInvariantViolation($"order {order.OrderId} holds {order.HeldRemaining}, less than the {stillNeeded} its rest needs");
        cost = Math.Min(cost, spare);
        return (cost, spare - cost);
    }

    /// <summary>A seller is paid price x quantity rounded down: the ledger never pays out more than the
    /// buyer brought in. The hold is exactly the quantity, so only a completed order could release
    /// anything, and it releases what is left.</summary>
    private static (long QuoteAmount, long Released)? TrySettleSell(Order order, Fill fill, long baseUnit)
    {
        if (!QuoteAmount.TryRoundDown(fill.Price, fill.Quantity, baseUnit, out var proceeds)) return null;
        if (proceeds > Assets.Amount.MinorUnitsMax) return null;
        var stillNeeded = order.RemainingQuantity - fill.Quantity;
        return (proceeds, order.HeldRemaining - fill.Quantity - stillNeeded);
    }

    public static void ApplyPlaced(LedgerState state, OrderPlaced placed) =>
        state.AddOrder(new Order(placed.OrderId, placed.Request.UserId, placed.Market, placed.Side, placed.Price,
            placed.Quantity, Filled: 0, HeldRemaining: placed.Held, OrderStatus.Open));

    public static void ApplyCancelled(LedgerState state, OrderCancelled cancelled)
    {
        var slot = state.OrderToChange(cancelled.Request.UserId, cancelled.OrderId);
        var order = slot.Order;
        if (order.Status != OrderStatus.Open || cancelled.Released != order.HeldRemaining)
            throw new LedgerInvariantViolation($"cancel of order {order.OrderId} releases {cancelled.Released}, it holds {order.HeldRemaining}");
        slot.Order = order with { HeldRemaining = 0, Status = OrderStatus.Cancelled };
    }

    public static void ApplyFilled(LedgerState state, OrderFilled filled)
    {
        var slot = state.OrderToChange(filled.Request.UserId, filled.OrderId);
        var order = slot.Order;
        var heldUsed = filled.Side == Side.Buy ? filled.QuoteAmount : filled.Quantity;
        var after = order with
        {
            Filled = checked(order.Filled + filled.Quantity),
            HeldRemaining = checked(order.HeldRemaining - heldUsed - filled.Released),
            Status = filled.Completed ? OrderStatus.Filled : OrderStatus.Open,
        };
        if (order.Status != OrderStatus.Open || after.Filled > after.Quantity || after.HeldRemaining < 0
            || filled.Completed != (after.Filled == after.Quantity) || (filled.Completed && after.HeldRemaining != 0))
            throw new LedgerInvariantViolation($"fill {filled.FillId} breaks order {order.OrderId}: {after}");
        slot.AddFill(filled.FillId);
        slot.Order = after;
    }

    public static bool IsPositiveAmount(long amount) => amount > 0 && amount <= Assets.Amount.MinorUnitsMax;
}
