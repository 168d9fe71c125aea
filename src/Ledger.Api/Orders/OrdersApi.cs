using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Api.Edge;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Orders;

public sealed record PlaceOrderBody(string? OrderId, string? UserId, string? Market, string? Side, string? Price, string? Quantity)
    : ICommandBody<PlaceOrderBody>
{
    public static IReadOnlyList<BodyMember> Members { get; } =
    [
        new("orderId", MemberValue.Text, Optional: true), new("userId", MemberValue.Text), new("market", MemberValue.Text),
        new("side", MemberValue.Text), new("price", MemberValue.Amount), new("quantity", MemberValue.Amount),
    ];

    public static PlaceOrderBody From(string?[] values) => new(values[0], values[1], values[2], values[3], values[4], values[5]);
}

public sealed record CancelOrderBody(string? UserId) : ICommandBody<CancelOrderBody>
{
    public static IReadOnlyList<BodyMember> Members { get; } = [new("userId", MemberValue.Text)];

    public static CancelOrderBody From(string?[] values) => new(values[0]);
}

/// <summary>A fill from the matching engine. It names the order's market and side, which the engine
/// knows, so the edge can read the amounts in the right scales without a database.</summary>
public sealed record FillBody(string? UserId, string? FillId, string? Market, string? Side, string? Quantity, string? Price, string? Fee)
    : ICommandBody<FillBody>
{
    public static IReadOnlyList<BodyMember> Members { get; } =
    [
        new("userId", MemberValue.Text), new("fillId", MemberValue.Text), new("market", MemberValue.Text), new("side", MemberValue.Text),
        new("quantity", MemberValue.Amount), new("price", MemberValue.Amount), new("fee", MemberValue.Amount, Optional: true),
    ];

    public static FillBody From(string?[] values) => new(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
}

/// <summary>POST /v1/orders, /v1/orders/{orderId}/cancel and /v1/orders/{orderId}/fills. Cancel and
/// fill bodies carry the order's userId: the edge routes by it, and a user who does not own the
/// order is refused with order_not_found by that user's writer.</summary>
public static class OrdersApi
{
    public static RouteGroupBuilder MapOrders(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/orders").WithTags("Orders");
        group.MapPost("/", Place).WithName("placeOrder").RequireAuthorization(Policies.OwnAccountCommands).RequireCommandRateLimit()
            .DocumentCommand("Place an order", "Holds what the order may spend (buy: price x quantity of the quote asset, rounded up; "
                + "sell: the quantity of the base asset). 201 with the orderId and the held asset's balance; 422 insufficient_funds, duplicate_order_id.");
        group.MapPost("/{orderId}/cancel", Cancel).WithName("cancelOrder").RequireAuthorization(Policies.OwnAccountCommands).RequireCommandRateLimit()
            .DocumentCommand("Cancel an open order", "Releases what is still held. 422 order_not_found (also for another user's order), order_not_open.");
        group.MapPost("/{orderId}/fills", AddFill).WithName("reportFill").RequireAuthorization(Policies.Fills).RequireCommandRateLimit()
            .DocumentCommand("Report a fill (matching engine)", "A fillId applies once: the same Idempotency-Key answers the first outcome, the same fillId under another key 422 duplicate_fill_id. 422 overfill, order_not_open, price_beyond_limit, fill_mismatch, balance_limit_exceeded.");
        return group;
    }

    private static async Task<IResult> Place(CommandBody<PlaceOrderBody> posted,
        [FromHeader(Name = CommandFields.IdempotencyKeyHeader)] string? idempotencyKey, CommandValidator<PlaceOrderBody> validator,
        AssetCatalog assets, MarketCatalog markets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        if (validator.Problem(idempotencyKey, posted) is { } invalid) return invalid;
        var body = posted.Value!;
        var market = markets.Get(body.Market!);
        var side = CommandFields.SideOf(body.Side)!.Value;
        var orderId = CommandFields.ReferenceOrNew(body.OrderId);
        var userId = body.UserId!;
        var price = CommandFields.ValidAmount(body.Price, assets.Get(market.QuoteAsset));
        var quantity = CommandFields.ValidAmount(body.Quantity, assets.Get(market.BaseAsset));

        var fingerprint = CommandFields.Fingerprint(nameof(PlaceOrder), userId, orderId, market.Symbol, side, price, quantity);
        var command = new PlaceOrder(CommandFields.NewRequest(userId, idempotencyKey!, fingerprint), orderId, market.Symbol, side, price, quantity);
        return await submission.Submit(command, http, cancellation, ("orderId", orderId));
    }

    private static async Task<IResult> Cancel(string orderId, CommandBody<CancelOrderBody> posted,
        [FromHeader(Name = CommandFields.IdempotencyKeyHeader)] string? idempotencyKey, CommandValidator<CancelOrderBody> validator,
        OrderPathValidator path, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        if (validator.Problem(idempotencyKey, posted, path.Validate(new OrderPath(orderId))) is { } invalid) return invalid;
        var userId = posted.Value!.UserId!;

        var fingerprint = CommandFields.Fingerprint(nameof(CancelOrder), userId, orderId);
        return await submission.Submit(new CancelOrder(CommandFields.NewRequest(userId, idempotencyKey!, fingerprint), orderId), http, cancellation,
            ("orderId", orderId));
    }

    private static async Task<IResult> AddFill(string orderId, CommandBody<FillBody> posted,
        [FromHeader(Name = CommandFields.IdempotencyKeyHeader)] string? idempotencyKey, CommandValidator<FillBody> validator,
        OrderPathValidator path, AssetCatalog assets, MarketCatalog markets, CommandSubmission submission, HttpContext http,
        CancellationToken cancellation)
    {
        if (validator.Problem(idempotencyKey, posted, path.Validate(new OrderPath(orderId))) is { } invalid) return invalid;
        var body = posted.Value!;
        var market = markets.Get(body.Market!);
        var side = CommandFields.SideOf(body.Side)!.Value;
        var userId = body.UserId!;
        var quantity = CommandFields.ValidAmount(body.Quantity, assets.Get(market.BaseAsset));
        var price = CommandFields.ValidAmount(body.Price, assets.Get(market.QuoteAsset));
        var fee = CommandFields.ValidAmount(body.Fee ?? "0", FillValidator.ReceivedAsset(body, assets, markets)!);

        var fingerprint = CommandFields.Fingerprint(nameof(Fill), userId, orderId, body.FillId!, market.Symbol, side, quantity, price, fee);
        var command = new Fill(CommandFields.NewRequest(userId, idempotencyKey!, fingerprint), orderId, body.FillId!, market.Symbol, side,
            quantity, price, fee);
        return await submission.Submit(command, http, cancellation, ("orderId", orderId));
    }
}
