using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;

namespace Ledger.Api.Commands;

/// <summary>The rules for the fields requests share (user ids, references, assets, markets, sides,
/// amounts, idempotency keys), as FluentValidation rules every validator uses: each rule is written
/// once, here. Amounts are checked by the domain's own parser, in the asset's scale, so what passes
/// here is exactly what <see cref="Amount"/> turns into minor units afterwards.</summary>
public static class CommandFields
{
    public const int UserIdLengthMax = 64;
    public const int ReferenceLengthMax = 64;
    public const int IdempotencyKeyLengthMax = 128;
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IRuleBuilderOptions<T, string?> UserId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Identifier(UserIdLengthMax);

    /// <summary>An order, fill or transfer id.</summary>
    public static IRuleBuilderOptions<T, string?> Reference<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Identifier(ReferenceLengthMax);

    private static IRuleBuilderOptions<T, string?> Identifier<T>(this IRuleBuilder<T, string?> rule, int lengthMax) => rule
        .NotEmpty().WithMessage("is required")
        .MaximumLength(lengthMax).WithMessage($"must be at most {lengthMax} characters")
        .Must(value => value!.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        .WithMessage("may hold only letters, digits, '-', '_' and '.'");

    public static IRuleBuilderOptions<T, string?> KnownAsset<T>(this IRuleBuilder<T, string?> rule, AssetCatalog assets) => rule
        .NotEmpty().WithMessage("is required")
        .Must(code => assets.TryGet(code!, out _))
        .WithMessage((_, code) => $"'{Truncate(code!)}' is not a known asset ({string.Join(", ", assets.All.Select(a => a.Code))})");

    public static IRuleBuilderOptions<T, string?> KnownMarket<T>(this IRuleBuilder<T, string?> rule, MarketCatalog markets) => rule
        .NotEmpty().WithMessage("is required")
        .Must(symbol => markets.TryGet(symbol!, out _))
        .WithMessage((_, symbol) => $"'{Truncate(symbol!)}' is not a known market ({string.Join(", ", markets.All.Select(m => m.Symbol))})");

    public static IRuleBuilderOptions<T, string?> Side<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(value => SideOf(value) is not null).WithMessage("must be \"buy\" or \"sell\"");

    /// <summary>An amount greater than zero in <paramref name="assetOf"/>'s scale. Not checked while the
    /// asset itself is unknown: that field's own rule reports it.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> PositiveAmount<T>(this IRuleBuilder<T, string?> rule, Func<T, Asset?> assetOf) =>
        rule.Custom((text, context) =>
        {
            if (assetOf(context.InstanceToValidate) is { } asset && !Amount.TryParsePositive(text, asset, out _, out var error))
                context.AddFailure(error);
        });

    /// <summary>An amount of zero or more (a fee) in <paramref name="assetOf"/>'s scale.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> NonNegativeAmount<T>(this IRuleBuilder<T, string?> rule, Func<T, Asset?> assetOf) =>
        rule.Custom((text, context) =>
        {
            if (assetOf(context.InstanceToValidate) is { } asset && !Amount.TryParse(text, asset, out _, out var error))
                context.AddFailure(error);
        });

    /// <summary>One key per request: two Idempotency-Key headers arrive joined by ',' (as HTTP joins
    /// repeated headers), and a key that could be read as two is refused rather than guessed at.</summary>
    public static IRuleBuilderOptions<T, string?> IdempotencyKey<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("header is required on every POST")
        .Must(value => !value!.Contains(',')).WithMessage("must be one key: send one Idempotency-Key header, without ','")
        .MaximumLength(IdempotencyKeyLengthMax).WithMessage($"must be at most {IdempotencyKeyLengthMax} characters")
        .Must(value => value!.All(c => c is > ' ' and <= '~')).WithMessage("must be printable ASCII without spaces")
        .OverridePropertyName(IdempotencyKeyHeader);

    public static Side? SideOf(string? value) => value switch
    {
        "buy" => Domain.Orders.Side.Buy,
        "sell" => Domain.Orders.Side.Sell,
        _ => null,
    };

    /// <summary>Minor units of an amount a validator has already accepted. A failure here means the
    /// validator and the parser disagree: a bug, so it stops the request rather than guess an amount.</summary>
    public static long ValidAmount(string? text, Asset asset) =>
        Amount.TryParse(text, asset, out var minor, out var error) ? minor
            : throw new InvalidOperationException($"an amount the validator accepted does not parse: {error}");

    /// <summary>A request's identity beside its key: the same key with a different fingerprint is refused.
    /// Made from the parsed fields, so white space or field order in the body does not matter.</summary>
    public static string Fingerprint(params object[] parts)
    {
        var canonical = string.Join('\u001f', parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)).AsSpan(0, 16));
    }

    public static Request NewRequest(string userId, string idempotencyKey, string fingerprint) =>
        new(Guid.CreateVersion7(), userId, idempotencyKey, fingerprint);

    /// <summary>A reference the caller left out gets a new id.</summary>
    public static string ReferenceOrNew(string? value) => value ?? Guid.CreateVersion7().ToString();

    private static string Truncate(string text) => text.Length <= 16 ? text : text[..16] + "...";
}
