using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Domain.Assets;

namespace Ledger.Api.Transfers;

/// <summary>A transfer's body: sender and receiver, a known asset and an amount above zero in its
/// scale. The transfer id is the sender's own, or left out for a new one. Sending to oneself is the
/// ledger's refusal (422 same_account), not the edge's.</summary>
public sealed class TransferValidator : RequestValidator<TransferBody>
{
    public TransferValidator(AssetCatalog assets)
    {
        RuleFor(b => b.TransferId).Reference().When(b => b.TransferId is not null);
        RuleFor(b => b.FromUserId).UserId();
        RuleFor(b => b.ToUserId).UserId();
        RuleFor(b => b.Asset).KnownAsset(assets);
        RuleFor(b => b.Amount).PositiveAmount(b => assets.TryGet(b.Asset ?? "", out var asset) ? asset : null);
    }
}

/// <summary>GET /v1/transfers/{transferId}?fromUserId=: transfer ids are each sender's own.</summary>
public sealed record TransferQuery(string TransferId, string? FromUserId);

public sealed class TransferQueryValidator : RequestValidator<TransferQuery>
{
    public TransferQueryValidator()
    {
        RuleFor(q => q.TransferId).Reference();
        RuleFor(q => q.FromUserId).UserId();
    }
}
