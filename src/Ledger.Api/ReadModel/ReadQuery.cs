using System.Globalization;
using System.Text;
using FluentValidation;
using Ledger.Domain.Assets;

namespace Ledger.Api.ReadModel;

/// <summary>The query parameters of the read endpoints: their rules (FluentValidation, used by each
/// read's validator) and, once a validator has accepted them, their values. Every mistake is a 400,
/// never a 500.</summary>
public static class ReadQuery
{
    public const int LimitDefault = 100;
    public const int LimitMax = 1_000;
    public const int DaysMax = 366;
    private const string NotOurCursor = "is not a cursor this endpoint gave out";

    public static IRuleBuilderOptions<T, string?> Limit<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(text => TryLimit(text, out _)).WithMessage($"must be a whole number from 1 to {LimitMax}");

    /// <summary>A cursor of <paramref name="parts"/> numbers, each accepted by <paramref name="inRange"/>.</summary>
    public static IRuleBuilderOptions<T, string?> Cursor<T>(this IRuleBuilder<T, string?> rule, int parts, Func<long[], bool>? inRange = null) => rule
        .Must(text => TryCursorKey(text, parts, out var key) && (inRange?.Invoke(key) ?? true)).WithMessage(NotOurCursor);

    /// <summary>An asset to filter by: absent, or known.</summary>
    public static IRuleBuilderOptions<T, string?> OptionalAsset<T>(this IRuleBuilder<T, string?> rule, AssetCatalog assets) => rule
        .Must(code => string.IsNullOrEmpty(code) || assets.TryGet(code, out _)).WithMessage((_, code) => $"unknown asset '{code}'");

    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, IReadOnlyCollection<string> allowed) => rule
        .Must(value => string.IsNullOrEmpty(value) || allowed.Contains(value)).WithMessage($"must be one of {string.Join(", ", allowed)}");

    public static IRuleBuilderOptions<T, string?> Day<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(text => TryDay(text, out _)).WithMessage("must be a day as YYYY-MM-DD");

    /// <summary>The end of a range of UTC days that starts at <paramref name="from"/>: both ends included,
    /// at most <see cref="DaysMax"/> days. Checked once both ends are days.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> EndOfDays<T>(this IRuleBuilder<T, string?> rule, Func<T, string?> from) =>
        rule.Custom((to, context) =>
        {
            if (!TryDay(from(context.InstanceToValidate), out var first) || !TryDay(to, out var last)) return;
            if (first > last) context.AddFailure("from", "must not be after to");
            else if (last.DayNumber - first.DayNumber + 1 > DaysMax) context.AddFailure($"the range must be at most {DaysMax} days");
        });

    public static bool TryLimit(string? text, out int limit)
    {
        limit = LimitDefault;
        if (string.IsNullOrEmpty(text)) return true;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= LimitMax;
    }

    /// <summary>An opaque cursor: base64url of the key numbers of the last row returned.</summary>
    public static string Cursor(params long[] key) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Join(':', key))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <returns>The cursor's numbers, or zeros (from the start) when none was given.</returns>
    public static bool TryCursorKey(string? cursor, int parts, out long[] key)
    {
        key = new long[parts];
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=');
            var numbers = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            if (numbers.Length != parts || !numbers.All(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return false;
            key = [.. numbers.Select(n => long.Parse(n, CultureInfo.InvariantCulture))];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>Values of parameters a validator has accepted; a failure here is a bug, not bad input.</summary>
    public static int ValidLimit(string? text) => TryLimit(text, out var limit) ? limit : throw NotValidated("limit");

    public static long[] ValidCursorKey(string? cursor, int parts) =>
        TryCursorKey(cursor, parts, out var key) ? key : throw NotValidated("cursor");

    public static DateOnly ValidDay(string? text) => TryDay(text, out var day) ? day : throw NotValidated("day");

    private static InvalidOperationException NotValidated(string what) => new($"a {what} reached a read without passing its validator");

    /// <summary>Minor units as a decimal string in the asset's scale (scale 0 for an asset the catalog lost).</summary>
    public static string Money(long minorUnits, string assetCode, AssetCatalog assets) =>
        Amount.Format(minorUnits, assets.TryGet(assetCode, out var asset) ? asset.Scale : 0);
}
