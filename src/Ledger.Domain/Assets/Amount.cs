using System.Globalization;

namespace Ledger.Domain.Assets;

/// <summary>
/// Money is a count of minor units (a long) in one asset; on the wire it is a decimal string.
/// Parsing never rounds: more decimals than the asset's scale is an error, as is a sign,
/// an exponent, white space, zero, or a value above <see cref="MinorUnitsMax"/>.
/// </summary>
public static class Amount
{
    /// <summary>The largest amount of one asset any single command may move (10^15 minor units),
    /// far enough below long.MaxValue that sums over many accounts cannot overflow unnoticed.</summary>
    public const long MinorUnitsMax = 1_000_000_000_000_000;

    private const int IntegerDigitsMax = 18;

    public static bool TryParsePositive(string? text, Asset asset, out long minorUnits, out string error)
    {
        minorUnits = 0;
        if (!TryParse(text, asset, out minorUnits, out error)) return false;
        if (minorUnits == 0) { error = "must be greater than zero"; return false; }
        return true;
    }

    /// <summary>Parses a non-negative decimal string such as "100.00" into minor units, at most
    /// <paramref name="max"/> (a command's amount by default; a balance may be larger).</summary>
    public static bool TryParse(string? text, Asset asset, out long minorUnits, out string error, long max = MinorUnitsMax)
    {
        minorUnits = 0;
        error = "";
        if (string.IsNullOrEmpty(text)) { error = "is required"; return false; }
        if (text[0] == '-') { error = "must not be negative"; return false; }

        var point = text.IndexOf('.');
        var integerPart = point < 0 ? text : text[..point];
        var fractionPart = point < 0 ? "" : text[(point + 1)..];
        if (integerPart.Length == 0 || !integerPart.All(char.IsAsciiDigit) || !fractionPart.All(char.IsAsciiDigit)
            || (point >= 0 && fractionPart.Length == 0))
        {
            error = "must be a decimal number such as \"100.00\"";
            return false;
        }
        if (fractionPart.Length > asset.Scale)
        {
            error = $"has more than {asset.Scale} decimal places for {asset.Code}";
            return false;
        }
        if (integerPart.TrimStart('0').Length > IntegerDigitsMax) { error = "is too large"; return false; }

        var scaled = BigIntegerOf(integerPart + fractionPart.PadRight(asset.Scale, '0'));
        if (scaled > max)
        {
            error = $"is too large (at most {Format(max, asset)} {asset.Code})";
            return false;
        }
        minorUnits = (long)scaled;
        return true;
    }

    /// <summary>Writes minor units as a decimal string with exactly the asset's scale: 10000 USD is "100.00".</summary>
    public static string Format(long minorUnits, Asset asset) => Format(minorUnits, asset.Scale);

    public static string Format(long minorUnits, int scale)
    {
        var negative = minorUnits < 0;
        var digits = ((System.Numerics.BigInteger)minorUnits * (negative ? -1 : 1))
            .ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        var text = scale == 0 ? digits : digits[..^scale] + "." + digits[^scale..];
        return negative ? "-" + text : text;
    }

    private static System.Numerics.BigInteger BigIntegerOf(string digits) =>
        System.Numerics.BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
}
