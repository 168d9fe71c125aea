using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;
using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// Keeps balances per (user, asset) by adding each batch's postings on user books, in one statement.
/// Then it checks every touched balance against the balances the writer published with its last
/// event in the batch: the cache must equal a replay of the log, and if it does not the transaction
/// is rolled back and the projector stops (a bug, never papered over).
/// </summary>
public static class BalanceCache
{
    public static async Task Apply(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        var changes = new Dictionary<AccountKey, Change>();
        var expected = new Dictionary<AccountKey, Balance>();
        foreach (var projected in batch)
        {
            var @event = projected.Message.Event;
            foreach (var posting in @event.Postings.Where(p => p.IsUserBook))
            {
                var account = new AccountKey(posting.Owner, posting.Asset);
                var change = changes.GetValueOrDefault(account);
                changes[account] = posting.Book == Book.Available
                    ? change with { Available = checked(change.Available + posting.Amount), Partition = projected.Partition, Offset = projected.Offset }
                    : change with { Held = checked(change.Held + posting.Amount), Partition = projected.Partition, Offset = projected.Offset };
            }
            foreach (var (asset, balance) in projected.Message.BalancesAfter)
                expected[new AccountKey(@event.Request.UserId, asset)] = balance;
        }
        if (changes.Count == 0) return;

        await using var command = new NpgsqlCommand("""
            insert into balances (user_id, asset, available, held, last_event_partition, last_event_offset, updated_at)
            select user_id, asset, available, held, kafka_partition, kafka_offset, now()
            from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::integer[], $6::bigint[])
                as change(user_id, asset, available, held, kafka_partition, kafka_offset)
            on conflict (user_id, asset) do update set
                available = balances.available + excluded.available,
                held = balances.held + excluded.held,
                last_event_partition = excluded.last_event_partition,
                last_event_offset = excluded.last_event_offset,
                updated_at = excluded.updated_at
            returning user_id, asset, available, held
            """, connection);
        var rows = changes.ToArray();
        command.Parameters.AddWithValue(rows.Select(r => r.Key.UserId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Key.Asset).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Available).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Held).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Partition).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Offset).ToArray());

        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            var account = new AccountKey(reader.GetString(0), reader.GetString(1));
            var cached = new Balance(reader.GetInt64(2), reader.GetInt64(3));
            if (expected.TryGetValue(account, out var published) && published != cached)
                throw new BalanceCacheDrift($"balance cache of {account} is {cached} but the writer published {published}");
        }
    }

    private readonly record struct Change(long Available, long Held, int Partition, long Offset);
}

/// <summary>The balance cache disagrees with the log: a bug. The batch is not committed.</summary>
public sealed class BalanceCacheDrift(string message) : Exception(message);
