using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.ReadModel;
using Ledger.Domain.Assets;

namespace Ledger.Api.Accounts;

/// <summary>GET /v1/accounts/{userId}/balances.</summary>
public sealed record BalancesQuery(string UserId);

public sealed class BalancesQueryValidator : RequestValidator<BalancesQuery>
{
    public BalancesQueryValidator() => RuleFor(q => q.UserId).UserId();
}

/// <summary>GET /v1/accounts/{userId}/entries?asset=&amp;cursor=&amp;limit=.</summary>
public sealed record EntriesQuery(string UserId, string? Asset, string? Cursor, string? Limit);

public sealed class EntriesQueryValidator : RequestValidator<EntriesQuery>
{
    public const int CursorParts = 2;

    public EntriesQueryValidator(AssetCatalog assets)
    {
        RuleFor(q => q.UserId).UserId();
        RuleFor(q => q.Asset).OptionalAsset(assets);
        // (sequence, leg): a leg is a smallint in the read model.
        RuleFor(q => q.Cursor).Cursor(CursorParts, key => key[1] <= short.MaxValue);
        RuleFor(q => q.Limit).Limit();
    }
}

/// <summary>GET /v1/accounts/{userId}/orders?status=&amp;cursor=&amp;limit=.</summary>
public sealed record AccountOrdersQuery(string UserId, string? Status, string? Cursor, string? Limit);

public sealed class AccountOrdersQueryValidator : RequestValidator<AccountOrdersQuery>
{
    public const int CursorParts = 1;

    public AccountOrdersQueryValidator()
    {
        RuleFor(q => q.UserId).UserId();
        RuleFor(q => q.Status).OneOf(AccountOrdersApi.Statuses);
        RuleFor(q => q.Cursor).Cursor(CursorParts);
        RuleFor(q => q.Limit).Limit();
    }
}

/// <summary>GET /v1/orders/{orderId}?userId=: order ids are each user's own.</summary>
public sealed record OrderQuery(string OrderId, string? UserId);

public sealed class OrderQueryValidator : RequestValidator<OrderQuery>
{
    public OrderQueryValidator()
    {
        RuleFor(q => q.OrderId).Reference();
        RuleFor(q => q.UserId).UserId();
    }
}
