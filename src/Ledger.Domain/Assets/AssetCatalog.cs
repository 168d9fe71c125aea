namespace Ledger.Domain.Assets;

/// <summary>The assets the ledger knows. A scale never changes once money exists in that asset.</summary>
public sealed class AssetCatalog
{
    public static readonly IReadOnlyList<Asset> Defaults =
    [
        new("USD", 2),
        new("EUR", 2),
        new("BTC", 8),
        new("ETH", 8),
    ];

    private readonly Dictionary<string, Asset> _byCode;

    public AssetCatalog(IEnumerable<Asset> assets)
    {
        _byCode = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var asset in assets.Select(a => a.Validated()))
        {
            if (!_byCode.TryAdd(asset.Code, asset))
                throw new ArgumentException($"asset {asset.Code} is configured twice");
        }
        if (_byCode.Count == 0) throw new ArgumentException("at least one asset must be configured");
    }

    public static AssetCatalog Default { get; } = new(Defaults);

    public IReadOnlyCollection<Asset> All => _byCode.Values;

    public bool TryGet(string code, out Asset asset) => _byCode.TryGetValue(code, out asset!);

    public Asset Get(string code) =>
        _byCode.TryGetValue(code, out var asset) ? asset : throw new KeyNotFoundException($"unknown asset {code}");
}
