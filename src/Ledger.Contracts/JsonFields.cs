using System.Globalization;
using System.Text.Json;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;

namespace Ledger.Contracts;

/// <summary>Reads the fields every codec needs, with one clear error for each thing missing or wrong.</summary>
internal static class JsonFields
{
    public static string String(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            throw new MalformedMessage($"field '{name}' is missing or not a string");
        return value.GetString()!;
    }

    public static Guid Guid(JsonElement element, string name) =>
        System.Guid.TryParse(String(element, name), out var id) ? id : throw new MalformedMessage($"field '{name}' is not a UUID");

    public static DateTimeOffset Time(JsonElement element, string name) =>
        DateTimeOffset.TryParse(String(element, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new MalformedMessage($"field '{name}' is not an ISO 8601 time");

    public static Asset Asset(JsonElement element, string name, AssetCatalog assets) =>
        assets.TryGet(String(element, name), out var asset) ? asset : throw new MalformedMessage($"field '{name}' names an unknown asset");

    /// <summary>A signed decimal string in the asset's scale, as minor units, at most <paramref name="max"/>.</summary>
    public static long Amount(JsonElement element, string name, Asset asset, long max = Domain.Assets.Amount.MinorUnitsMax)
    {
        var text = String(element, name);
        var negative = text.StartsWith('-');
        if (!Domain.Assets.Amount.TryParse(negative ? text[1..] : text, asset, out var minor, out var error, max))
            throw new MalformedMessage($"field '{name}' {error}");
        return negative ? -minor : minor;
    }

    public static bool Boolean(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new MalformedMessage($"field '{name}' is missing or not true/false");
        return value.GetBoolean();
    }

    /// <summary>A market named by a command: it must be configured, since its assets give the scales.</summary>
    public static Market Market(JsonElement element, string name, MarketCatalog markets) =>
        markets.TryGet(String(element, name), out var market) ? market : throw new MalformedMessage($"field '{name}' names an unknown market");

    public static Side Side(JsonElement element, string name) => String(element, name) switch
    {
        "buy" => Domain.Orders.Side.Buy,
        "sell" => Domain.Orders.Side.Sell,
        _ => throw new MalformedMessage($"field '{name}' must be \"buy\" or \"sell\""),
    };

    public static string SideName(Side side) => side switch
    {
        Domain.Orders.Side.Buy => "buy",
        Domain.Orders.Side.Sell => "sell",
        _ => throw new ArgumentOutOfRangeException(nameof(side)),
    };

    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset at) =>
        writer.WriteString(name, at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
}
