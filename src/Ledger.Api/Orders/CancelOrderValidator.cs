using FluentValidation;
using Ledger.Api.Commands;
using Ledger.Api.Edge;

namespace Ledger.Api.Orders;

/// <summary>A cancel's body names the order's user: the edge routes the command by it.</summary>
public sealed class CancelOrderValidator : RequestValidator<CancelOrderBody>
{
    public CancelOrderValidator() => RuleFor(b => b.UserId).UserId();
}

/// <summary>The order id in a path (/v1/orders/{orderId}/...).</summary>
public sealed record OrderPath(string OrderId);

public sealed class OrderPathValidator : RequestValidator<OrderPath>
{
    public OrderPathValidator() => RuleFor(p => p.OrderId).Reference();
}
