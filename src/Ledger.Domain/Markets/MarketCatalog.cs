using Ledger.Domain.Assets;

namespace Ledger.Domain.Markets;

/// <summary>The markets the ledger settles orders for. Like assets, a market's definition never
/// changes once orders exist in it; events carry the market's assets so they stay readable.</summary>
public sealed class MarketCatalog
{
    public static readonly IReadOnlyList<Market> Defaults =
    [
        new("BTC-USD", "BTC", "USD"),
        new("ETH-USD", "ETH", "USD"),
    ];

    private readonly Dictionary<string, Market> _bySymbol = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _baseUnitBySymbol = new(StringComparer.Ordinal);

    public MarketCatalog(IEnumerable<Market> markets, AssetCatalog assets)
    {
        foreach (var market in markets)
        {
            if (string.IsNullOrWhiteSpace(market.Symbol))
                throw new ArgumentException("a market symbol must not be empty");
            if (!assets.TryGet(market.BaseAsset, out var baseAsset) || !assets.TryGet(market.QuoteAsset, out _))
                throw new ArgumentException($"market {market.Symbol} names an unknown asset");
            if (market.BaseAsset == market.QuoteAsset)
                throw new ArgumentException($"market {market.Symbol} trades an asset for itself");
            if (!_bySymbol.TryAdd(market.Symbol, market))
                throw new ArgumentException($"market {market.Symbol} is configured twice");
            _baseUnitBySymbol.Add(market.Symbol, PowerOfTen(baseAsset.Scale));
        }
        if (_bySymbol.Count == 0) throw new ArgumentException("at least one market must be configured");
    }

    public static MarketCatalog Default { get; } = new(Defaults, AssetCatalog.Default);

    public IReadOnlyCollection<Market> All => _bySymbol.Values;

    public bool TryGet(string symbol, out Market market) => _bySymbol.TryGetValue(symbol, out market!);

    public Market Get(string symbol) =>
        _bySymbol.TryGetValue(symbol, out var market) ? market : throw new KeyNotFoundException($"unknown market {symbol}");

    /// <summary>How many base minor units make one whole base unit (10^scale): the divisor of price x quantity.</summary>
    public long BaseUnitOf(Market market) => _baseUnitBySymbol[market.Symbol];

    private static long PowerOfTen(int exponent)
    {
        var result = 1L;
        for (var i = 0; i < exponent; i++) result = checked(result * 10);
        return result;
    }
}
