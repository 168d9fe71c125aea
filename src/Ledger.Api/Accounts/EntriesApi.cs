using System.Security.Claims;
using Ledger.Api.Access;
using Ledger.Api.Edge;
using Ledger.Api.ReadModel;
using Ledger.Domain.Assets;
using Npgsql;

namespace Ledger.Api.Accounts;

/// <summary>GET /v1/accounts/{userId}/entries?asset=&amp;cursor=&amp;limit=: the account's postings in
/// event order, a page at a time.</summary>
public static class EntriesApi
{
    public static RouteGroupBuilder MapEntries(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/accounts").WithTags("Accounts").RequireAuthorization(Policies.AccountReads);
        group.MapGet("/{userId}/entries", Entries).WithName("listEntries")
            .DocumentRead("An account's postings", "In event order, a page at a time (limit 1-1000, default 100; pass nextCursor back as cursor).");
        return group;
    }

    private static async Task<IResult> Entries(string userId, string? asset, string? cursor, string? limit, EntriesQueryValidator validator,
        NpgsqlDataSource readModel, AssetCatalog assets, ClaimsPrincipal caller, CancellationToken cancellation)
    {
        if (validator.Problem(new EntriesQuery(userId, asset, cursor, limit)) is { } invalid) return invalid;
        var onlyAsset = string.IsNullOrEmpty(asset) ? null : asset;
        var after = ReadQuery.ValidCursorKey(cursor, EntriesQueryValidator.CursorParts);
        var pageSize = ReadQuery.ValidLimit(limit);
        if (AccountAccess.Refusal(caller, userId) is { } refusal) return refusal;

        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        var rows = new List<(long Sequence, short Leg, object Json)>();
        // "owner_id <> '@ledger'" is the index's own condition (it holds users' rows only), stated so
        // that the planner uses it whatever the user id; a user id cannot be "@ledger" (no '@' allowed).
        await using (var command = new NpgsqlCommand("""
            select sequence, leg, book, asset, amount, event_type, at from ledger_entries
             where owner_id = $1 and owner_id <> '@ledger' and ($2::text is null or asset = $2) and (sequence, leg) > ($3, $4)
             order by sequence, leg limit $5
            """, connection))
        {
            command.Parameters.AddWithValue(userId);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyAsset ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.AddWithValue(after[0]);
            command.Parameters.AddWithValue((short)after[1]);
            command.Parameters.AddWithValue(pageSize + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                var code = reader.GetString(3);
                rows.Add((reader.GetInt64(0), reader.GetInt16(1), new
                {
                    sequence = reader.GetInt64(0),
                    leg = reader.GetInt16(1),
                    book = reader.GetString(2),
                    asset = code,
                    amount = ReadQuery.Money(reader.GetInt64(4), code, assets),
                    eventType = reader.GetString(5),
                    at = reader.GetFieldValue<DateTimeOffset>(6),
                }));
            }
        }
        var page = rows.Take(pageSize).ToList();
        var nextCursor = rows.Count > pageSize ? ReadQuery.Cursor(page[^1].Sequence, page[^1].Leg) : null;
        var entries = page.Select(r => r.Json);
        var freshness = await Freshness.Read(connection, cancellation);
        return TypedResults.Ok(new { userId, entries, nextCursor, asOf = freshness });
    }
}
