using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;

namespace Ledger.Api.Commands;

/// <summary>Checks the fields commands share, collecting one clear message per bad field.</summary>
public sealed class CommandFields(AssetCatalog assets, MarketCatalog? markets = null)
{
    public const int UserIdLengthMax = 64;
    public const int ReferenceLengthMax = 64;
    public const int IdempotencyKeyLengthMax = 128;

    private readonly Dictionary<string, string[]> _errors = new();

    public bool IsValid => _errors.Count == 0;
    public IDictionary<string, string[]> Errors => _errors;

    public string UserId(string? value, string field = "userId") => Identifier(value, field, UserIdLengthMax);

    /// <summary>An order, fill or transfer id: the caller's own, or a new one when it is left out.</summary>
    public string ReferenceOrNew(string? value, string field) =>
        value is null ? Guid.CreateVersion7().ToString() : Identifier(value, field, ReferenceLengthMax);

    public string Reference(string? value, string field) => Identifier(value, field, ReferenceLengthMax);

    private string Identifier(string? value, string field, int lengthMax)
    {
        if (string.IsNullOrEmpty(value)) return Fail(field, "is required");
        if (value.Length > lengthMax) return Fail(field, $"must be at most {lengthMax} characters");
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return Fail(field, "may hold only letters, digits, '-', '_' and '.'");
        return value;
    }

    public Market? Market(string? symbol, string field = "market")
    {
        var catalog = markets ?? MarketCatalog.Default;
        if (string.IsNullOrEmpty(symbol)) { Fail(field, "is required"); return null; }
        if (catalog.TryGet(symbol, out var market)) return market;
        Fail(field, $"'{Truncate(symbol)}' is not a known market ({string.Join(", ", catalog.All.Select(m => m.Symbol))})");
        return null;
    }

    public Side? Side(string? value, string field = "side")
    {
        switch (value)
        {
            case "buy": return Domain.Orders.Side.Buy;
            case "sell": return Domain.Orders.Side.Sell;
            default: Fail(field, "must be \"buy\" or \"sell\""); return null;
        }
    }

    /// <summary>A fee: zero or more, in the asset the order's owner receives.</summary>
    public long NonNegativeAmount(string? text, Asset? asset, string field)
    {
        if (asset is null) return 0;
        if (Amount.TryParse(text, asset, out var minor, out var error)) return minor;
        Fail(field, error);
        return 0;
    }

    public IResult Invalid() =>
        TypedResults.ValidationProblem(Errors, title: "The request is not valid; nothing was applied.");

    public Asset? AssetOf(string code) => assets.TryGet(code, out var asset) ? asset : null;

    public Asset? Asset(string? code, string field = "asset")
    {
        if (string.IsNullOrEmpty(code)) { Fail(field, "is required"); return null; }
        if (assets.TryGet(code, out var asset)) return asset;
        Fail(field, $"'{Truncate(code)}' is not a known asset ({string.Join(", ", assets.All.Select(a => a.Code))})");
        return null;
    }

    public long PositiveAmount(string? text, Asset? asset, string field = "amount")
    {
        if (asset is null) return 0;
        if (Amount.TryParsePositive(text, asset, out var minor, out var error)) return minor;
        Fail(field, error);
        return 0;
    }

    public string IdempotencyKey(string? value)
    {
        const string field = "Idempotency-Key";
        if (string.IsNullOrEmpty(value)) return Fail(field, "header is required on every POST");
        if (value.Length > IdempotencyKeyLengthMax) return Fail(field, $"must be at most {IdempotencyKeyLengthMax} characters");
        if (!value.All(c => c is > ' ' and <= '~')) return Fail(field, "must be printable ASCII without spaces");
        return value;
    }

    /// <summary>A request's identity beside its key: the same key with a different fingerprint is refused.
    /// Made from the parsed fields, so white space or field order in the body does not matter.</summary>
    public static string Fingerprint(params object[] parts)
    {
        var canonical = string.Join('\u001f', parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)).AsSpan(0, 16));
    }

    public static Request NewRequest(string userId, string idempotencyKey, string fingerprint) =>
        new(Guid.CreateVersion7(), userId, idempotencyKey, fingerprint);

    private string Fail(string field, string message)
    {
        _errors[field] = [.. _errors.GetValueOrDefault(field, []), message];
        return "";
    }

    private static string Truncate(string text) => text.Length <= 16 ? text : text[..16] + "...";
}
