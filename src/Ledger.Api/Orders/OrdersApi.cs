using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Orders;

public sealed record PlaceOrderBody(string? OrderId, string? UserId, string? Market, string? Side, string? Price, string? Quantity);

public sealed record CancelOrderBody(string? UserId);

/// <summary>A fill from the matching engine. It names the order's market and side, which the engine
/// knows, so the edge can read the amounts in the right scales without a database.</summary>
public sealed record FillBody(string? UserId, string? FillId, string? Market, string? Side, string? Quantity, string? Price, string? Fee);

/// <summary>POST /v1/orders, /v1/orders/{orderId}/cancel and /v1/orders/{orderId}/fills. Cancel and
/// fill bodies carry the order's userId: the edge routes by it, and a user who does not own the
/// order is refused with order_not_found by that user's writer.</summary>
public static class OrdersApi
{
    public static RouteGroupBuilder MapOrders(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/orders").WithTags("Orders");
        group.MapPost("/", Place).RequireAuthorization(Policies.OwnAccountCommands).RequireRateLimiting(CommandRateLimits.Policy);
        group.MapPost("/{orderId}/cancel", Cancel).RequireAuthorization(Policies.OwnAccountCommands).RequireRateLimiting(CommandRateLimits.Policy);
        group.MapPost("/{orderId}/fills", AddFill).RequireAuthorization(Policies.Fills).RequireRateLimiting(CommandRateLimits.Policy);
        return group;
    }

    private static async Task<IResult> Place([FromBody] PlaceOrderBody? body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        AssetCatalog assets, MarketCatalog markets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        var fields = new CommandFields(assets, markets);
        var key = fields.IdempotencyKey(idempotencyKey);
        if (body is null) return MissingBody();
        var orderId = fields.ReferenceOrNew(body.OrderId, "orderId");
        var userId = fields.UserId(body.UserId);
        var market = fields.Market(body.Market);
        var side = fields.Side(body.Side);
        var price = fields.PositiveAmount(body.Price, market is null ? null : fields.AssetOf(market.QuoteAsset), "price");
        var quantity = fields.PositiveAmount(body.Quantity, market is null ? null : fields.AssetOf(market.BaseAsset), "quantity");
        if (!fields.IsValid) return fields.Invalid();

        var fingerprint = CommandFields.Fingerprint(nameof(PlaceOrder), userId, orderId, market!.Symbol, side!.Value, price, quantity);
        var command = new PlaceOrder(CommandFields.NewRequest(userId, key, fingerprint), orderId, market.Symbol, side.Value, price, quantity);
        return await submission.Submit(command, http, cancellation, ("orderId", orderId));
    }

    private static async Task<IResult> Cancel(string orderId, [FromBody] CancelOrderBody? body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        AssetCatalog assets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        var fields = new CommandFields(assets);
        var key = fields.IdempotencyKey(idempotencyKey);
        if (body is null) return MissingBody();
        var order = fields.Reference(orderId, "orderId");
        var userId = fields.UserId(body.UserId);
        if (!fields.IsValid) return fields.Invalid();

        var fingerprint = CommandFields.Fingerprint(nameof(CancelOrder), userId, order);
        return await submission.Submit(new CancelOrder(CommandFields.NewRequest(userId, key, fingerprint), order), http, cancellation,
            ("orderId", order));
    }

    private static async Task<IResult> AddFill(string orderId, [FromBody] FillBody? body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        AssetCatalog assets, MarketCatalog markets, CommandSubmission submission, HttpContext http, CancellationToken cancellation)
    {
        var fields = new CommandFields(assets, markets);
        var key = fields.IdempotencyKey(idempotencyKey);
        if (body is null) return MissingBody();
        var order = fields.Reference(orderId, "orderId");
        var userId = fields.UserId(body.UserId);
        var fillId = fields.Reference(body.FillId, "fillId");
        var market = fields.Market(body.Market);
        var side = fields.Side(body.Side);
        var quantity = fields.PositiveAmount(body.Quantity, market is null ? null : fields.AssetOf(market.BaseAsset), "quantity");
        var price = fields.PositiveAmount(body.Price, market is null ? null : fields.AssetOf(market.QuoteAsset), "price");
        var received = market is null || side is null ? null
            : fields.AssetOf(side == Side.Buy ? market.BaseAsset : market.QuoteAsset);
        var fee = fields.NonNegativeAmount(body.Fee ?? "0", received, "fee");
        if (!fields.IsValid) return fields.Invalid();

        var fingerprint = CommandFields.Fingerprint(nameof(Fill), userId, order, fillId, market!.Symbol, side!.Value, quantity, price, fee);
        var command = new Fill(CommandFields.NewRequest(userId, key, fingerprint), order, fillId, market.Symbol, side.Value, quantity, price, fee);
        return await submission.Submit(command, http, cancellation, ("orderId", order));
    }

    private static IResult MissingBody() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
}
