using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Baseline;

public sealed record MoneyMovementBody(string? UserId, string? Asset, string? Amount);
public sealed record PlaceOrderBody(string? OrderId, string? UserId, string? Market, string? Side, string? Price, string? Quantity);
public sealed record CancelOrderBody(string? UserId);
public sealed record FillBody(string? UserId, string? FillId, string? Market, string? Side, string? Quantity, string? Price, string? Fee);
public sealed record TransferBody(string? TransferId, string? FromUserId, string? ToUserId, string? Asset, string? Amount);

/// <summary>
/// Ledger.Api's command routes, request bodies and answers (201 with the balance after, 422 with a
/// code, 400 for bad input, Idempotency-Key required), decided by <see cref="LockingLedger"/> instead
/// of by a partition writer. Bearer tokens are ignored: this is the design being compared, not the edge.
/// </summary>
public static class BaselineApi
{
    private const string External = "@external";
    private static readonly AssetCatalog Assets = AssetCatalog.Default;
    private static readonly MarketCatalog Markets = MarketCatalog.Default;

    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/deposits", (MoneyMovementBody? body, [FromHeader(Name = "Idempotency-Key")] string? key, LockingLedger ledger, CancellationToken c) =>
            Money(body, key, ledger, deposit: true, c));
        app.MapPost("/v1/withdrawals", (MoneyMovementBody? body, [FromHeader(Name = "Idempotency-Key")] string? key, LockingLedger ledger, CancellationToken c) =>
            Money(body, key, ledger, deposit: false, c));
        app.MapPost("/v1/orders", PlaceOrder);
        app.MapPost("/v1/orders/{orderId}/fills", AddFill);
        app.MapPost("/v1/orders/{orderId}/cancel", Cancel);
        app.MapPost("/v1/transfers", Transfer);
        app.MapGet("/stats", (LockingLedger ledger) => TypedResults.Ok(new { commands = ledger.Commands, retries = ledger.Retries }));
        app.MapGet("/health/ready", () => TypedResults.Ok(new { status = "ready" }));
    }

    private static async Task<IResult> Money(MoneyMovementBody? body, string? key, LockingLedger ledger, bool deposit, CancellationToken cancellation)
    {
        if (body is null || !Valid(key) || !Valid(body.UserId) || !TryAsset(body.Asset, out var asset)
            || !Amount.TryParsePositive(body.Amount, asset, out var amount, out _))
            return Invalid();
        var user = body.UserId!;
        var commandId = Guid.CreateVersion7();
        var type = deposit ? "Deposited" : "Withdrawn";
        return await Run(ledger, commandId, user, key!, new LockRequest([(user, asset.Code)]), locked =>
        {
            var balance = locked.Balance(user, asset.Code);
            if (!deposit && balance.Available < amount) return Rejected(commandId, RejectionCode.InsufficientFunds);
            var signed = deposit ? amount : -amount;
            return Accepted(commandId, type, null, balance with { Available = balance.Available + signed },
                [new BalanceChange(user, asset.Code, signed, 0)],
                [new Entry(user, asset.Code, signed, type), new Entry(External, asset.Code, -signed, type)], []);
        }, cancellation);
    }

    private static async Task<IResult> PlaceOrder(PlaceOrderBody? body, [FromHeader(Name = "Idempotency-Key")] string? key,
        LockingLedger ledger, CancellationToken cancellation)
    {
        if (body is null || !Valid(key) || !Valid(body.UserId) || !TryMarket(body.Market, out var market, out var baseAsset, out var quoteAsset)
            || body.Side is not ("buy" or "sell") || !Amount.TryParsePositive(body.Price, quoteAsset, out var price, out _)
            || !Amount.TryParsePositive(body.Quantity, baseAsset, out var quantity, out _))
            return Invalid();
        var user = body.UserId!;
        var orderId = body.OrderId ?? Guid.CreateVersion7().ToString();
        if (!Valid(orderId)) return Invalid();
        var buy = body.Side == "buy";
        var heldAsset = buy ? market.QuoteAsset : market.BaseAsset;
        if (!QuoteAmount.TryRoundUp(price, quantity, Markets.BaseUnitOf(market), out var quoteHeld)) return Invalid();
        var held = buy ? quoteHeld : quantity;
        var commandId = Guid.CreateVersion7();
        return await Run(ledger, commandId, user, key!, new LockRequest([(user, heldAsset)], user, orderId), locked =>
        {
            if (locked.Order is not null) return Rejected(commandId, RejectionCode.DuplicateOrderId);
            var balance = locked.Balance(user, heldAsset);
            if (balance.Available < held) return Rejected(commandId, RejectionCode.InsufficientFunds);
            return Accepted(commandId, "OrderPlaced", ("orderId", orderId), balance with { Available = balance.Available - held, Held = balance.Held + held },
                [new BalanceChange(user, heldAsset, -held, held)], [],
                [LockingLedger.Command("insert into orders values ($1, $2, $3, $4, $5, $6, 0, $7, 'open')",
                    user, orderId, market.Symbol, body.Side, price, quantity, held)]);
        }, cancellation);
    }

    private static async Task<IResult> AddFill(string orderId, FillBody? body, [FromHeader(Name = "Idempotency-Key")] string? key,
        LockingLedger ledger, CancellationToken cancellation)
    {
        if (body is null || !Valid(key) || !Valid(body.UserId) || !Valid(orderId) || !Valid(body.FillId)
            || !TryMarket(body.Market, out var market, out var baseAsset, out var quoteAsset) || body.Side is not ("buy" or "sell")
            || !Amount.TryParsePositive(body.Quantity, baseAsset, out var quantity, out _)
            || !Amount.TryParsePositive(body.Price, quoteAsset, out var price, out _)
            || !Amount.TryParse(body.Fee ?? "0", body.Side == "buy" ? baseAsset : quoteAsset, out var fee, out _))
            return Invalid();
        var user = body.UserId!;
        var baseUnit = Markets.BaseUnitOf(market);
        var commandId = Guid.CreateVersion7();
        var request = new LockRequest([(user, market.BaseAsset), (user, market.QuoteAsset)], user, orderId, body.FillId);
        return await Run(ledger, commandId, user, key!, request, locked =>
        {
            if (locked.FillSeen) return Rejected(commandId, "duplicate_fill_id");
            if (locked.Order is not { } order) return Rejected(commandId, RejectionCode.OrderNotFound);
            if (order.Market != market.Symbol || order.Side != body.Side) return Rejected(commandId, RejectionCode.FillMismatch);
            if (order.Status != "open") return Rejected(commandId, RejectionCode.OrderNotOpen);
            var remaining = order.Quantity - order.Filled;
            if (quantity > remaining) return Rejected(commandId, RejectionCode.Overfill);
            var buy = order.Side == "buy";
            if (buy ? price > order.Price : price < order.Price) return Rejected(commandId, RejectionCode.PriceBeyondLimit);
            long heldUsed, released, quoteAmount;
            if (buy)
            {
                QuoteAmount.TryRoundUp(price, quantity, baseUnit, out var cost);
                QuoteAmount.TryRoundUp(order.Price, remaining - quantity, baseUnit, out var stillNeeded);
                var spare = order.HeldRemaining - stillNeeded;
                quoteAmount = Math.Min(cost, spare);
                heldUsed = quoteAmount;
                released = spare - quoteAmount;
            }
            else
            {
                QuoteAmount.TryRoundDown(price, quantity, baseUnit, out quoteAmount);
                heldUsed = quantity;
                released = order.HeldRemaining - quantity - (remaining - quantity);
            }
            var received = buy ? quantity : quoteAmount;
            if (fee > received) return Rejected(commandId, RejectionCode.InvalidAmount);
            var (paidAsset, receivedAsset) = buy ? (market.QuoteAsset, market.BaseAsset) : (market.BaseAsset, market.QuoteAsset);
            var completed = quantity == remaining;
            var paid = locked.Balance(user, paidAsset);
            return Accepted(commandId, "OrderFilled", ("orderId", orderId),
                paid with { Available = paid.Available + released, Held = paid.Held - heldUsed - released },
                [new BalanceChange(user, paidAsset, released, -heldUsed - released), new BalanceChange(user, receivedAsset, received - fee, 0)],
                [new Entry(user, paidAsset, -heldUsed, "OrderFilled"), new Entry(External, paidAsset, heldUsed, "OrderFilled"),
                 new Entry(user, receivedAsset, received - fee, "OrderFilled"), new Entry(External, receivedAsset, -(received - fee), "OrderFilled")],
                [LockingLedger.Command("update orders set filled = filled + $3, held_remaining = held_remaining - $4, status = $5 where user_id = $1 and order_id = $2",
                    user, orderId, quantity, heldUsed + released, completed ? "filled" : "open"),
                 LockingLedger.Command("insert into fills values ($1, $2, $3)", user, orderId, body.FillId!)]);
        }, cancellation);
    }

    private static async Task<IResult> Cancel(string orderId, CancelOrderBody? body, [FromHeader(Name = "Idempotency-Key")] string? key,
        LockingLedger ledger, CancellationToken cancellation)
    {
        if (body is null || !Valid(key) || !Valid(body.UserId) || !Valid(orderId)) return Invalid();
        var user = body.UserId!;
        var commandId = Guid.CreateVersion7();
        // The held asset is known only from the order: lock both of the markets' assets the user may hold.
        var assets = Markets.All.SelectMany(m => new[] { m.BaseAsset, m.QuoteAsset }).Distinct().Select(a => (user, a)).ToList();
        return await Run(ledger, commandId, user, key!, new LockRequest(assets, user, orderId), locked =>
        {
            if (locked.Order is not { } order) return Rejected(commandId, RejectionCode.OrderNotFound);
            if (order.Status != "open") return Rejected(commandId, RejectionCode.OrderNotOpen);
            var market = Markets.Get(order.Market);
            var heldAsset = order.Side == "buy" ? market.QuoteAsset : market.BaseAsset;
            var balance = locked.Balance(user, heldAsset);
            return Accepted(commandId, "OrderCancelled", ("orderId", orderId),
                balance with { Available = balance.Available + order.HeldRemaining, Held = balance.Held - order.HeldRemaining },
                [new BalanceChange(user, heldAsset, order.HeldRemaining, -order.HeldRemaining)], [],
                [LockingLedger.Command("update orders set held_remaining = 0, status = 'cancelled' where user_id = $1 and order_id = $2", user, orderId)]);
        }, cancellation);
    }

    private static async Task<IResult> Transfer(TransferBody? body, [FromHeader(Name = "Idempotency-Key")] string? key,
        LockingLedger ledger, CancellationToken cancellation)
    {
        if (body is null || !Valid(key) || !Valid(body.FromUserId) || !Valid(body.ToUserId) || !TryAsset(body.Asset, out var asset)
            || !Amount.TryParsePositive(body.Amount, asset, out var amount, out _))
            return Invalid();
        var (from, to) = (body.FromUserId!, body.ToUserId!);
        var transferId = body.TransferId ?? Guid.CreateVersion7().ToString();
        if (!Valid(transferId)) return Invalid();
        var commandId = Guid.CreateVersion7();
        if (from == to) return Json(422, Problem(commandId, RejectionCode.SameAccount), false);
        var request = new LockRequest([(from, asset.Code), (to, asset.Code)], TransferFromUserId: from, TransferId: transferId);
        return await Run(ledger, commandId, from, key!, request, locked =>
        {
            if (locked.TransferSeen) return Rejected(commandId, RejectionCode.DuplicateTransferId);
            var sender = locked.Balance(from, asset.Code);
            if (sender.Available < amount) return Rejected(commandId, RejectionCode.InsufficientFunds);
            return Accepted(commandId, "TransferDebited", ("transferId", transferId), sender with { Available = sender.Available - amount },
                [new BalanceChange(from, asset.Code, -amount, 0), new BalanceChange(to, asset.Code, amount, 0)],
                [new Entry(from, asset.Code, -amount, "Transfer"), new Entry(to, asset.Code, amount, "Transfer")],
                [LockingLedger.Command("insert into transfers values ($1, $2, $3, $4, $5)", from, transferId, to, asset.Code, amount)]);
        }, cancellation);
    }

    private static async Task<IResult> Run(LockingLedger ledger, Guid commandId, string userId, string key, LockRequest request,
        Func<Locked, Decision> decide, CancellationToken cancellation)
    {
        var (status, answer, replayed) = await ledger.Execute(commandId, userId, key, request, decide, cancellation);
        return Json(status, answer, replayed);
    }

    private static Decision Accepted(Guid commandId, string eventType, (string Name, string Value)? reference, BalanceRow after,
        IReadOnlyList<BalanceChange> changes, IReadOnlyList<Entry> entries, IReadOnlyList<Npgsql.NpgsqlBatchCommand> writes)
    {
        var asset = Assets.Get(after.Asset);
        var body = new Dictionary<string, object?> { ["commandId"] = commandId, ["status"] = "accepted", ["eventType"] = eventType };
        if (reference is var (name, value)) body[name] = value;
        body["balance"] = new
        {
            asset = asset.Code,
            available = Amount.Format(after.Available, asset),
            held = Amount.Format(after.Held, asset),
            total = Amount.Format(after.Available + after.Held, asset),
        };
        return new Decision(201, JsonSerializer.Serialize(body), changes, entries, writes);
    }

    private static Decision Rejected(Guid commandId, string code) => new(422, Problem(commandId, code), [], [], []);

    private static string Problem(Guid commandId, string code) => JsonSerializer.Serialize(new
    {
        title = code.Replace('_', ' '),
        status = 422,
        detail = $"The ledger refused the command: {code}.",
        code,
        commandId,
    });

    private static IResult Json(int status, string answer, bool replayed) => new JsonText(status, answer, replayed);

    private sealed class JsonText(int status, string answer, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json";
            if (replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
            return http.Response.WriteAsync(answer);
        }
    }

    private static IResult Invalid() => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["body"] = ["the request is not valid; nothing was applied"],
    });

    private static bool Valid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 128 && id.All(c => c is > ' ' and <= '~');

    private static bool TryAsset(string? code, out Asset asset)
    {
        asset = null!;
        return code is not null && Assets.TryGet(code, out asset);
    }

    private static bool TryMarket(string? symbol, out Market market, out Asset baseAsset, out Asset quoteAsset)
    {
        (baseAsset, quoteAsset) = (null!, null!);
        if (symbol is null || !Markets.TryGet(symbol, out market)) { market = null!; return false; }
        (baseAsset, quoteAsset) = (Assets.Get(market.BaseAsset), Assets.Get(market.QuoteAsset));
        return true;
    }
}
