using System.Security.Claims;
using Ledger.Api.Access;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.ReadModel;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Npgsql;

namespace Ledger.Api.Accounts;

/// <summary>GET /v1/accounts/{userId}/orders?status=&amp;cursor=&amp;limit=: the user's orders in the
/// order they were placed, a page at a time. GET /v1/orders/{orderId}?userId=: one order (order ids
/// are each user's own, so the user is part of the key).</summary>
public static class AccountOrdersApi
{
    public static readonly IReadOnlyList<string> Statuses = ["open", "filled", "cancelled", "rejected"];

    public static RouteGroupBuilder MapAccountOrders(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/accounts").WithTags("Accounts").RequireAuthorization(Policies.AccountReads);
        group.MapGet("/{userId}/orders", Orders).WithName("listOrders")
            .DocumentRead("A user's orders", "In the order placed, a page at a time; status one of open, filled, cancelled, rejected.");
        routes.MapGet("/v1/orders/{orderId}", Order).WithName("getOrder").WithTags("Orders").RequireAuthorization(Policies.AccountReads)
            .DocumentRead("One order", "Status, filled quantity, held amount and times, from the read model; 404 order_not_found.");
        return group;
    }

    private const string Columns = """
        order_id, market, side, held_asset, price, quantity, filled_quantity, held, status, rejection_code,
        placed_sequence, placed_at, updated_at, closed_at
        """;

    private static async Task<IResult> Order(string orderId, string? userId, OrderQueryValidator validator, NpgsqlDataSource readModel,
        AssetCatalog assets, MarketCatalog markets, ClaimsPrincipal caller, CancellationToken cancellation)
    {
        if (validator.Problem(new OrderQuery(orderId, userId)) is { } invalid) return invalid;
        if (AccountAccess.Refusal(caller, userId!) is { } refusal) return refusal;

        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        object? order = null;
        await using (var command = new NpgsqlCommand($"select {Columns} from orders where user_id = $1 and order_id = $2", connection))
        {
            command.Parameters.AddWithValue(userId!);
            command.Parameters.AddWithValue(orderId);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            if (await reader.ReadAsync(cancellation)) order = Json(reader, assets, markets);
        }
        var freshness = await Freshness.Read(connection, cancellation);
        return order is null
            ? CommandAnswers.Problem(404, "order_not_found", $"User {userId} has no order {orderId} (as of event {freshness.EventSequence}).")
            : TypedResults.Ok(new { userId, order, asOf = freshness });
    }

    private static async Task<IResult> Orders(string userId, string? status, string? cursor, string? limit,
        AccountOrdersQueryValidator validator, NpgsqlDataSource readModel, AssetCatalog assets, MarketCatalog markets,
        ClaimsPrincipal caller, CancellationToken cancellation)
    {
        if (validator.Problem(new AccountOrdersQuery(userId, status, cursor, limit)) is { } invalid) return invalid;
        var onlyStatus = string.IsNullOrEmpty(status) ? null : status;
        var after = ReadQuery.ValidCursorKey(cursor, AccountOrdersQueryValidator.CursorParts);
        var pageSize = ReadQuery.ValidLimit(limit);
        if (AccountAccess.Refusal(caller, userId) is { } refusal) return refusal;

        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        var rows = new List<(long Placed, object Json)>();
        await using (var command = new NpgsqlCommand($"""
            select {Columns}
              from orders
             where user_id = $1 and ($2::text is null or status = $2) and placed_sequence > $3
             order by placed_sequence limit $4
            """, connection))
        {
            command.Parameters.AddWithValue(userId);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.AddWithValue(after[0]);
            command.Parameters.AddWithValue(pageSize + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation)) rows.Add((reader.GetInt64(10), Json(reader, assets, markets)));
        }
        var page = rows.Take(pageSize).ToList();
        var nextCursor = rows.Count > pageSize ? ReadQuery.Cursor(page[^1].Placed) : null;
        var freshness = await Freshness.Read(connection, cancellation);
        return TypedResults.Ok(new { userId, orders = page.Select(r => r.Json), nextCursor, asOf = freshness });
    }

    /// <summary>Price in the quote asset, quantities in the base asset, held in the held asset.</summary>
    private static object Json(NpgsqlDataReader reader, AssetCatalog assets, MarketCatalog markets)
    {
        var symbol = reader.GetString(1);
        var (baseAsset, quoteAsset) = markets.TryGet(symbol, out var market)
            ? (market.BaseAsset, market.QuoteAsset) : ("", "");
        var heldAsset = reader.GetString(3);
        return new
        {
            orderId = reader.GetString(0),
            market = symbol,
            side = reader.GetString(2),
            status = reader.GetString(8),
            price = ReadQuery.Money(reader.GetInt64(4), quoteAsset, assets),
            quantity = ReadQuery.Money(reader.GetInt64(5), baseAsset, assets),
            filledQuantity = ReadQuery.Money(reader.GetInt64(6), baseAsset, assets),
            heldAsset,
            held = ReadQuery.Money(reader.GetInt64(7), heldAsset, assets),
            rejectionCode = reader.IsDBNull(9) ? null : reader.GetString(9),
            placedSequence = reader.GetInt64(10),
            placedAt = reader.GetFieldValue<DateTimeOffset>(11),
            updatedAt = reader.GetFieldValue<DateTimeOffset>(12),
            closedAt = reader.IsDBNull(13) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(13),
        };
    }
}
