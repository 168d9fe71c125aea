using Npgsql;
using NpgsqlTypes;

namespace Ledger.Baseline;

/// <summary>A balance row as locked: (user, asset) with its amounts in minor units.</summary>
public sealed record BalanceRow(string UserId, string Asset, long Available, long Held);

/// <summary>An order row as locked.</summary>
public sealed record OrderRow(string Market, string Side, long Price, long Quantity, long Filled, long HeldRemaining, string Status);

/// <summary>What a command reads under its locks.</summary>
public sealed class Locked
{
    public required Dictionary<(string UserId, string Asset), BalanceRow> Balances { get; init; }
    public OrderRow? Order { get; init; }
    public bool FillSeen { get; init; }
    public bool TransferSeen { get; init; }

    public BalanceRow Balance(string userId, string asset) => Balances[(userId, asset)];
}

/// <summary>A change to one balance row, in minor units.</summary>
public sealed record BalanceChange(string UserId, string Asset, long Available, long Held);

/// <summary>One leg of the double entry (the contra legs name the system books, which are not rows
/// here: updating one shared system row per command would serialize everything on it).</summary>
public sealed record Entry(string UserId, string Asset, long Amount, string Kind);

/// <summary>The decision: the answer, and (when accepted) what to write.</summary>
public sealed record Decision(int Status, string Answer, IReadOnlyList<BalanceChange> Changes, IReadOnlyList<Entry> Entries,
    IReadOnlyList<NpgsqlBatchCommand> Writes);

/// <summary>What a command asks to lock and read besides its balance rows.</summary>
public sealed record LockRequest(IReadOnlyList<(string UserId, string Asset)> Balances, string? OrderUserId = null, string? OrderId = null,
    string? FillId = null, string? TransferFromUserId = null, string? TransferId = null);

/// <summary>
/// The design Ledger replaces, done competently: per command, ONE PostgreSQL transaction that locks
/// the balance rows it touches (SELECT ... FOR UPDATE, always in (user, asset) order, so two commands
/// never wait on each other in a cycle), checks, updates them in place, inserts the entries and the
/// idempotency answer, and commits. Two round trips: [BEGIN; read the idempotency answer; create
/// missing rows; lock] and [UPDATE; INSERT entries; INSERT answer; COMMIT]. Statements are prepared
/// automatically by Npgsql (Max Auto Prepare) and connections pooled. A deadlock, serialization
/// failure or a concurrent duplicate (unique violation) rolls back and runs the command again,
/// counted in <see cref="Retries"/>.
/// </summary>
public sealed class LockingLedger(NpgsqlDataSource database)
{
    public const int AttemptsMax = 10;
    private long _retries;
    private long _commands;

    public long Retries => Interlocked.Read(ref _retries);
    public long Commands => Interlocked.Read(ref _commands);

    public async Task<(int Status, string Answer, bool Replayed)> Execute(Guid commandId, string userId, string idempotencyKey,
        LockRequest request, Func<Locked, Decision> decide, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await database.OpenConnectionAsync(cancellation);
            try
            {
                var result = await Once(connection, commandId, userId, idempotencyKey, request, decide, cancellation);
                Interlocked.Increment(ref _commands);
                return result;
            }
            catch (PostgresException error) when (error.SqlState is PostgresErrorCodes.DeadlockDetected
                                                      or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation
                                                  && attempt < AttemptsMax)
            {
                Interlocked.Increment(ref _retries);
                await Rollback(connection);
            }
            catch
            {
                await Rollback(connection);
                throw;
            }
        }
    }

    private static async Task<(int, string, bool)> Once(NpgsqlConnection connection, Guid commandId, string userId, string idempotencyKey,
        LockRequest request, Func<Locked, Decision> decide, CancellationToken cancellation)
    {
        var keys = request.Balances.Distinct().OrderBy(k => k.UserId, StringComparer.Ordinal).ThenBy(k => k.Asset, StringComparer.Ordinal).ToArray();
        var users = keys.Select(k => k.UserId).ToArray();
        var assets = keys.Select(k => k.Asset).ToArray();

        await using var locking = new NpgsqlBatch(connection);
        locking.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
        locking.BatchCommands.Add(Command("select status, answer from commands where user_id = $1 and idempotency_key = $2", userId, idempotencyKey));
        locking.BatchCommands.Add(Command("""
            insert into balances (user_id, asset) select * from unnest($1::text[], $2::text[]) order by 1, 2
            on conflict do nothing
            """, users, assets));
        locking.BatchCommands.Add(Command("""
            select user_id, asset, available, held from balances
             where (user_id, asset) in (select * from unnest($1::text[], $2::text[]))
             order by user_id, asset for update
            """, users, assets));
        locking.BatchCommands.Add(Command("""
            select market, side, price, quantity, filled, held_remaining, status from orders
             where user_id = $1 and order_id = $2 for update
            """, request.OrderUserId ?? "", request.OrderId ?? ""));
        locking.BatchCommands.Add(Command("select 1 from fills where user_id = $1 and order_id = $2 and fill_id = $3",
            request.OrderUserId ?? "", request.OrderId ?? "", request.FillId ?? ""));
        locking.BatchCommands.Add(Command("select 1 from transfers where from_user_id = $1 and transfer_id = $2",
            request.TransferFromUserId ?? "", request.TransferId ?? ""));

        (int Status, string Answer)? stored = null;
        var balances = new Dictionary<(string, string), BalanceRow>();
        OrderRow? order = null;
        bool fillSeen, transferSeen;
        await using (var reader = await locking.ExecuteReaderAsync(cancellation))
        {
            if (await reader.ReadAsync(cancellation)) stored = (reader.GetInt32(0), reader.GetString(1));
            await reader.NextResultAsync(cancellation); // Npgsql skips statements that return no rows (begin, insert)
            while (await reader.ReadAsync(cancellation))
            {
                var row = new BalanceRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
                balances[(row.UserId, row.Asset)] = row;
            }
            await reader.NextResultAsync(cancellation);
            if (await reader.ReadAsync(cancellation))
                order = new OrderRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.GetString(6));
            await reader.NextResultAsync(cancellation);
            fillSeen = await reader.ReadAsync(cancellation);
            await reader.NextResultAsync(cancellation);
            transferSeen = await reader.ReadAsync(cancellation);
        }
        if (stored is { } replay)
        {
            await Rollback(connection);
            return (replay.Status, replay.Answer, true);
        }

        var decision = decide(new Locked { Balances = balances, Order = order, FillSeen = fillSeen, TransferSeen = transferSeen });
        await using var writing = new NpgsqlBatch(connection);
        if (decision.Changes.Count > 0)
        {
            writing.BatchCommands.Add(Command("""
                update balances b set available = b.available + d.available, held = b.held + d.held
                  from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) as d(user_id, asset, available, held)
                 where b.user_id = d.user_id and b.asset = d.asset
                """, decision.Changes.Select(c => c.UserId).ToArray(), decision.Changes.Select(c => c.Asset).ToArray(),
                decision.Changes.Select(c => c.Available).ToArray(), decision.Changes.Select(c => c.Held).ToArray()));
        }
        if (decision.Entries.Count > 0)
        {
            writing.BatchCommands.Add(Command("""
                insert into entries (command_id, user_id, asset, amount, kind)
                select $1, * from unnest($2::text[], $3::text[], $4::bigint[], $5::text[])
                """, commandId, decision.Entries.Select(e => e.UserId).ToArray(), decision.Entries.Select(e => e.Asset).ToArray(),
                decision.Entries.Select(e => e.Amount).ToArray(), decision.Entries.Select(e => e.Kind).ToArray()));
        }
        foreach (var write in decision.Writes) writing.BatchCommands.Add(write);
        writing.BatchCommands.Add(Command("insert into commands values ($1, $2, $3, $4, $5)",
            userId, idempotencyKey, commandId, decision.Status, decision.Answer));
        writing.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        await writing.ExecuteNonQueryAsync(cancellation);
        return (decision.Status, decision.Answer, false);
    }

    public static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(value is long[] numbers
                ? new NpgsqlParameter { Value = numbers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint }
                : new NpgsqlParameter { Value = value });
        return command;
    }

    private static async Task Rollback(NpgsqlConnection connection)
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var rollback = new NpgsqlCommand("rollback", connection);
                await rollback.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException) { /* the connection is broken; the pool drops it */ }
    }
}
