namespace Ledger.Domain.Markets;

/// <summary>A market where the base asset is bought and sold for the quote asset: BTC-USD trades
/// BTC (base) for USD (quote). Prices are quote minor units per one whole base unit.</summary>
public sealed record Market(string Symbol, string BaseAsset, string QuoteAsset);
