using Ledger.Domain.Assets;
using Ledger.Domain.Markets;

namespace Ledger.Hosting;

/// <summary>The assets ("Assets" section) and markets ("Markets" section) configured, or the defaults;
/// validated as they are built. Compiled into each host from src/Shared.</summary>
internal static class Catalogs
{
    public static (AssetCatalog Assets, MarketCatalog Markets) From(IConfiguration configuration)
    {
        var assets = new AssetCatalog(configuration.GetSection("Assets").Get<List<Asset>>() ?? [.. AssetCatalog.Defaults]);
        var markets = new MarketCatalog(configuration.GetSection("Markets").Get<List<Market>>() ?? [.. MarketCatalog.Defaults], assets);
        return (assets, markets);
    }
}
