using FluentValidation;
using Ledger.Api.Edge;
using Ledger.Domain.Assets;

namespace Ledger.Api.Commands;

/// <summary>A deposit's or a withdrawal's body: a user, a known asset, and an amount above zero in that asset's scale.</summary>
public sealed class MoneyMovementValidator : RequestValidator<MoneyMovementBody>
{
    public MoneyMovementValidator(AssetCatalog assets)
    {
        RuleFor(b => b.UserId).UserId();
        RuleFor(b => b.Asset).KnownAsset(assets);
        RuleFor(b => b.Amount).PositiveAmount(b => assets.TryGet(b.Asset ?? "", out var asset) ? asset : null);
    }
}
