namespace Ledger.Domain.Markets;

/// <summary>
/// The quote amount of price x quantity: price (quote minor units per whole base unit) times
/// quantity (base minor units), divided by the base unit (10^base scale). The product is computed in
/// Int128 so it cannot overflow; the result must fit a long or the caller gets false.
/// When the division is not exact the caller chooses the direction: a buyer's hold and cost round
/// up (the ledger never holds or takes too little), a seller's proceeds round down (the ledger never
/// pays out more than the trade brought in).
/// </summary>
public static class QuoteAmount
{
    public static bool TryRoundUp(long price, long quantity, long baseUnit, out long amount) =>
        TryCompute(price, quantity, baseUnit, roundUp: true, out amount);

    public static bool TryRoundDown(long price, long quantity, long baseUnit, out long amount) =>
        TryCompute(price, quantity, baseUnit, roundUp: false, out amount);

    private static bool TryCompute(long price, long quantity, long baseUnit, bool roundUp, out long amount)
    {
        amount = 0;
        if (price < 0 || quantity < 0 || baseUnit <= 0) return false;
        // Most products fit a long, and long division is many times cheaper than Int128's (software) one.
        var high = Math.BigMul(price, quantity, out long low);
        if (high == 0 && low >= 0)
        {
            var (whole, remainder) = Math.DivRem(low, baseUnit);
            amount = roundUp && remainder != 0 ? whole + 1 : whole;
            return true;
        }
        var product = checked((Int128)price * quantity);
        var quotient = Int128.DivRem(product, baseUnit);
        var result = roundUp && quotient.Remainder != 0 ? quotient.Quotient + 1 : quotient.Quotient;
        if (result > long.MaxValue) return false;
        amount = (long)result;
        return true;
    }
}
