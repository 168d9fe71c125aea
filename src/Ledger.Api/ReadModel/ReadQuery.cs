using System.Globalization;
using System.Text;
using Ledger.Domain.Assets;

namespace Ledger.Api.ReadModel;

/// <summary>The query parameters of the read endpoints, checked: every mistake is collected for one
/// 400 answer (validation problem details), never a 500.</summary>
public sealed class ReadQuery
{
    public const int LimitDefault = 100;
    public const int LimitMax = 1_000;
    public const int DaysMax = 366;

    private readonly Dictionary<string, string[]> _errors = new();

    public bool IsValid => _errors.Count == 0;
    public IDictionary<string, string[]> Errors => _errors;

    public int Limit(string? text)
    {
        if (string.IsNullOrEmpty(text)) return LimitDefault;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= LimitMax) return limit;
        Fail("limit", $"must be a whole number from 1 to {LimitMax}");
        return LimitDefault;
    }

    /// <summary>An opaque cursor: base64url of the key numbers of the last row returned.</summary>
    public static string Cursor(params long[] key) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Join(':', key))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <returns>The cursor's numbers, or zeros (from the start) when none was given.</returns>
    public long[] CursorKey(string? cursor, int parts)
    {
        var start = new long[parts];
        if (string.IsNullOrEmpty(cursor)) return start;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=');
            var numbers = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            if (numbers.Length == parts && numbers.All(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return [.. numbers.Select(n => long.Parse(n, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
        }
        Fail("cursor", "is not a cursor this endpoint gave out");
        return start;
    }

    public Asset? OptionalAsset(string? code, AssetCatalog assets)
    {
        if (string.IsNullOrEmpty(code)) return null;
        if (assets.TryGet(code, out var asset)) return asset;
        Fail("asset", $"unknown asset '{code}'");
        return null;
    }

    public string? OneOf(string field, string? value, IReadOnlyCollection<string> allowed)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (allowed.Contains(value)) return value;
        Fail(field, $"must be one of {string.Join(", ", allowed)}");
        return null;
    }

    /// <summary>A range of UTC days, both ends included, at most <see cref="DaysMax"/> days.</summary>
    public (DateOnly From, DateOnly To) Days(string? from, string? to)
    {
        var first = Day("from", from);
        var last = Day("to", to);
        if (first is { } f && last is { } l)
        {
            if (f > l) Fail("from", "must not be after to");
            else if (l.DayNumber - f.DayNumber + 1 > DaysMax) Fail("to", $"the range must be at most {DaysMax} days");
        }
        return (first ?? default, last ?? default);
    }

    private DateOnly? Day(string field, string? text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        Fail(field, "must be a day as YYYY-MM-DD");
        return null;
    }

    public void Fail(string field, string message) =>
        _errors[field] = _errors.TryGetValue(field, out var known) ? [.. known, message] : [message];

    /// <summary>Minor units as a decimal string in the asset's scale (scale 0 for an asset the catalog lost).</summary>
    public static string Money(long minorUnits, string assetCode, AssetCatalog assets) =>
        Amount.Format(minorUnits, assets.TryGet(assetCode, out var asset) ? asset.Scale : 0);
}
