using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;

namespace Ledger.Api.Orders;

/// <summary>An order's body: a known market and side, a price in the quote asset's scale and a quantity
/// in the base asset's, both above zero. The order id is the caller's own, or left out for a new one.</summary>
public sealed class PlaceOrderValidator : RequestValidator<PlaceOrderBody>
{
    public PlaceOrderValidator(AssetCatalog assets, MarketCatalog markets)
    {
        RuleFor(b => b.OrderId).Reference().When(b => b.OrderId is not null);
        RuleFor(b => b.UserId).UserId();
        RuleFor(b => b.Market).KnownMarket(markets);
        RuleFor(b => b.Side).Side();
        RuleFor(b => b.Price).PositiveAmount(b => MarketAssets.Quote(b.Market, assets, markets));
        RuleFor(b => b.Quantity).PositiveAmount(b => MarketAssets.Base(b.Market, assets, markets));
    }
}

/// <summary>The assets of a market named in a request, or null while the market is unknown.</summary>
public static class MarketAssets
{
    public static Asset? Base(string? symbol, AssetCatalog assets, MarketCatalog markets) =>
        symbol is not null && markets.TryGet(symbol, out var market) ? assets.Get(market.BaseAsset) : null;

    public static Asset? Quote(string? symbol, AssetCatalog assets, MarketCatalog markets) =>
        symbol is not null && markets.TryGet(symbol, out var market) ? assets.Get(market.QuoteAsset) : null;
}
