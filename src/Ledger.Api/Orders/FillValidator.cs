using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;

namespace Ledger.Api.Orders;

/// <summary>A fill's body, from the matching engine: the order's user, market and side, a fill id, a
/// quantity (base asset) and price (quote asset) above zero, and a fee of zero or more in the asset the
/// order's owner receives (base for a buy, quote for a sell); no fee means zero.</summary>
public sealed class FillValidator : RequestValidator<FillBody>
{
    public FillValidator(AssetCatalog assets, MarketCatalog markets)
    {
        RuleFor(b => b.UserId).UserId();
        RuleFor(b => b.FillId).Reference();
        RuleFor(b => b.Market).KnownMarket(markets);
        RuleFor(b => b.Side).Side();
        RuleFor(b => b.Quantity).PositiveAmount(b => MarketAssets.Base(b.Market, assets, markets));
        RuleFor(b => b.Price).PositiveAmount(b => MarketAssets.Quote(b.Market, assets, markets));
        RuleFor(b => b.Fee).NonNegativeAmount(b => ReceivedAsset(b, assets, markets)).When(b => b.Fee is not null);
    }

    /// <summary>What the order's owner receives from a fill: the base asset on a buy, the quote asset on a sell.</summary>
    public static Asset? ReceivedAsset(FillBody body, AssetCatalog assets, MarketCatalog markets) => CommandFields.SideOf(body.Side) switch
    {
        Side.Buy => MarketAssets.Base(body.Market, assets, markets),
        Side.Sell => MarketAssets.Quote(body.Market, assets, markets),
        _ => null,
    };
}
