using Ledger.Domain;
using Ledger.Domain.Orders;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Projector.Projection;

/// <summary>One row per (user, order id). Per batch: load the rows its order events continue (one
/// statement), apply the events in memory, one small function per event type, and write the changed
/// rows back (one statement, sent with the other read models' writes).</summary>
public static class OrdersProjection
{
    public const string Open = "open", Filled = "filled", Cancelled = "cancelled", Rejected = "rejected";

    public sealed record OrderView(
        string UserId, string OrderId, string Market, string Side, string HeldAsset, long Price, long Quantity,
        long FilledQuantity, long Held, string Status, string? RejectionCode, long PlacedSequence, long LastSequence,
        DateTimeOffset PlacedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ClosedAt);

    public static OrderView? Evolve(OrderView? view, ProjectedEvent projected) => projected.Message.Event switch
    {
        OrderPlaced placed => Apply(placed, view, projected.Sequence),
        OrderRejected rejected => Apply(rejected, view, projected.Sequence),
        OrderFilled filled => Apply(filled, view, projected.Sequence),
        OrderCancelled cancelled => Apply(cancelled, view, projected.Sequence),
        _ => view,
    };

    /// <summary>A rejected attempt does not reserve the id: the same id may be placed later.</summary>
    private static OrderView? Apply(OrderPlaced e, OrderView? view, long sequence) => view is null or { Status: Rejected }
        ? new OrderView(e.Request.UserId, e.OrderId, e.Market.Symbol, SideName(e.Side), e.Asset, e.Price, e.Quantity,
            0, e.Held, Open, null, sequence, sequence, e.At, e.At, null)
        : view;

    /// <summary>A refusal of an id that names a live order (duplicate_order_id) leaves that order alone.</summary>
    private static OrderView? Apply(OrderRejected e, OrderView? view, long sequence) => view is null or { Status: Rejected }
        ? new OrderView(e.Request.UserId, e.OrderId, e.Market, SideName(e.Side), e.Asset, 0, 0,
            0, 0, Rejected, e.Code, sequence, sequence, e.At, e.At, e.At)
        : view;

    private static OrderView? Apply(OrderFilled e, OrderView? view, long sequence) => view is { Status: Open }
        ? view with
        {
            FilledQuantity = view.FilledQuantity + e.Quantity,
            Held = view.Held - (e.Side == Side.Buy ? e.QuoteAmount : e.Quantity) - e.Released,
            Status = e.Completed ? Filled : Open,
            ClosedAt = e.Completed ? e.At : null,
            LastSequence = sequence,
            UpdatedAt = e.At,
        }
        : view;

    private static OrderView? Apply(OrderCancelled e, OrderView? view, long sequence) => view is { Status: Open }
        ? view with { Held = view.Held - e.Released, Status = Cancelled, ClosedAt = e.At, LastSequence = sequence, UpdatedAt = e.At }
        : view;

    public static string SideName(Side side) => side == Side.Buy ? "buy" : "sell";

    private static (string UserId, string OrderId)? KeyOf(LedgerEvent @event) => @event switch
    {
        OrderPlaced e => (e.Request.UserId, e.OrderId),
        OrderRejected e => (e.Request.UserId, e.OrderId),
        OrderFilled e => (e.Request.UserId, e.OrderId),
        OrderCancelled e => (e.Request.UserId, e.OrderId),
        _ => null,
    };

    /// <summary>The rows the batch's order events continue without having placed them in the batch: the
    /// rows to read before evolving. A key whose first event in the batch is a placement needs no row
    /// from the database: the ledger only accepts a placement when no live order has that id, and it
    /// replaces a rejected one.</summary>
    public static List<(string UserId, string OrderId)> Continued(IReadOnlyList<ProjectedEvent> batch) =>
        batch.Select(e => (Event: e.Message.Event, Key: KeyOf(e.Message.Event)))
            .Where(t => t.Key is not null)
            .DistinctBy(t => t.Key!.Value)
            .Where(t => t.Event is not OrderPlaced)
            .Select(t => t.Key!.Value)
            .ToList();

    private const string Columns = """
        user_id, order_id, market, side, held_asset, price, quantity, filled_quantity, held, status, rejection_code,
        placed_sequence, last_sequence, placed_at, updated_at, closed_at
        """;

    /// <summary>Reads the rows of <paramref name="keys"/> (one statement, sent with the batch's first round trip).</summary>
    public static NpgsqlBatchCommand Load(List<(string UserId, string OrderId)> keys) => new($"""
        select {Columns} from orders
         where (user_id, order_id) in (select * from unnest($1::text[], $2::text[]))
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(k => k.UserId)] },
            new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(k => k.OrderId)] },
        },
    };

    /// <summary>The rows <see cref="Load"/> returned, by (user, order id).</summary>
    public static async Task<Dictionary<(string, string), OrderView>> Loaded(NpgsqlDataReader reader, CancellationToken cancellation)
    {
        var views = new Dictionary<(string, string), OrderView>();
        while (await reader.ReadAsync(cancellation))
        {
            var view = new OrderView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
                reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetInt64(11), reader.GetInt64(12),
                reader.GetFieldValue<DateTimeOffset>(13), reader.GetFieldValue<DateTimeOffset>(14),
                reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15));
            views[(view.UserId, view.OrderId)] = view;
        }
        return views;
    }

    /// <summary>Reads what the batch continues, alone in its own round trip (the rebuild's way).</summary>
    public static async Task<Dictionary<(string, string), OrderView>> Read(NpgsqlConnection connection,
        IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        var keys = Continued(batch);
        if (keys.Count == 0) return [];
        await using var commands = new NpgsqlBatch(connection) { BatchCommands = { Load(keys) } };
        await using var reader = await commands.ExecuteReaderAsync(cancellation);
        return await Loaded(reader, cancellation);
    }

    /// <summary>The rows the batch's order events change, evolved in memory from the rows read before.</summary>
    public static OrderView[] Changed(IReadOnlyList<ProjectedEvent> batch, IReadOnlyDictionary<(string, string), OrderView> loaded)
    {
        var views = new Dictionary<(string, string), OrderView?>();
        var changed = new HashSet<(string, string)>();
        foreach (var projected in batch)
        {
            if (KeyOf(projected.Message.Event) is not { } key) continue;
            var before = views.TryGetValue(key, out var evolved) ? evolved : loaded.GetValueOrDefault(key);
            var after = Evolve(before, projected);
            if (after is null || ReferenceEquals(after, before)) continue;
            views[key] = after;
            changed.Add(key);
        }
        // In the order of the primary key: neighbouring rows land on the same index pages, cheaper to write.
        return [.. changed.Order(OrdinalKeys.Instance).Select(k => views[k]!)];
    }

    /// <summary>Writes the changed rows back (one statement); null when there are none.</summary>
    public static NpgsqlBatchCommand? Save(OrderView[] rows)
    {
        if (rows.Length == 0) return null;
        var command = new NpgsqlBatchCommand($"""
            insert into orders ({Columns})
            select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
                $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::timestamptz[],
                $15::timestamptz[], $16::timestamptz[])
            on conflict (user_id, order_id) do update set
                market = excluded.market, side = excluded.side, held_asset = excluded.held_asset, price = excluded.price,
                quantity = excluded.quantity, filled_quantity = excluded.filled_quantity, held = excluded.held,
                status = excluded.status, rejection_code = excluded.rejection_code,
                placed_sequence = excluded.placed_sequence, last_sequence = excluded.last_sequence,
                placed_at = excluded.placed_at, updated_at = excluded.updated_at, closed_at = excluded.closed_at
            """);
        var p = command.Parameters;
        p.AddWithValue(rows.Select(r => r.UserId).ToArray());
        p.AddWithValue(rows.Select(r => r.OrderId).ToArray());
        p.AddWithValue(rows.Select(r => r.Market).ToArray());
        p.AddWithValue(rows.Select(r => r.Side).ToArray());
        p.AddWithValue(rows.Select(r => r.HeldAsset).ToArray());
        p.AddWithValue(rows.Select(r => r.Price).ToArray());
        p.AddWithValue(rows.Select(r => r.Quantity).ToArray());
        p.AddWithValue(rows.Select(r => r.FilledQuantity).ToArray());
        p.AddWithValue(rows.Select(r => r.Held).ToArray());
        p.AddWithValue(rows.Select(r => r.Status).ToArray());
        p.AddWithValue(rows.Select(r => r.RejectionCode).ToArray());
        p.AddWithValue(rows.Select(r => r.PlacedSequence).ToArray());
        p.AddWithValue(rows.Select(r => r.LastSequence).ToArray());
        p.AddWithValue(rows.Select(r => r.PlacedAt.UtcDateTime).ToArray());
        p.AddWithValue(rows.Select(r => r.UpdatedAt.UtcDateTime).ToArray());
        // Typed explicitly: an array of nothing but nulls would otherwise be sent as "timestamp".
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            Value = rows.Select(r => (object?)r.ClosedAt?.UtcDateTime ?? DBNull.Value).ToArray() });
        return command;
    }
}

/// <summary>(user, order id) in ordinal order: close to the primary key's order, which is all the locality needs.</summary>
internal sealed class OrdinalKeys : IComparer<(string UserId, string OrderId)>
{
    public static readonly OrdinalKeys Instance = new();

    public int Compare((string UserId, string OrderId) x, (string UserId, string OrderId) y)
    {
        var byUser = string.CompareOrdinal(x.UserId, y.UserId);
        return byUser != 0 ? byUser : string.CompareOrdinal(x.OrderId, y.OrderId);
    }
}
