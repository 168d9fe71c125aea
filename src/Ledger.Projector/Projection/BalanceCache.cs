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

        var rows = changes.ToArray();
        string[] users = [.. rows.Select(r => r.Key.UserId)], assets = [.. rows.Select(r => r.Key.Asset)];

        // One statement: add to the accounts that exist, open the others with the batch's change. (An
        // upsert would not do: PostgreSQL checks "available >= 0" on the proposed row before ON CONFLICT,
        // and a change may be negative.) No other transaction opens these accounts meanwhile: a user's
        // books change only in their partition's events, and the batch holds its partitions' offsets.
        await using var command = new NpgsqlCommand("""
            with change as (
                select * from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::integer[], $6::bigint[])
                    as change(user_id, asset, available, held, kafka_partition, kafka_offset)),
            added as (
                update balances set
                    available = balances.available + change.available,
                    held = balances.held + change.held,
                    last_event_partition = change.kafka_partition,
                    last_event_offset = change.kafka_offset,
                    updated_at = now()
                from change
                where balances.user_id = change.user_id and balances.asset = change.asset
                returning balances.user_id, balances.asset, balances.available, balances.held),
            opened as (
                insert into balances (user_id, asset, available, held, last_event_partition, last_event_offset, updated_at)
                select user_id, asset, available, held, kafka_partition, kafka_offset, now() from change
                 where not exists (select from added where added.user_id = change.user_id and added.asset = change.asset)
                returning user_id, asset, available, held)
            select * from added union all select * from opened
            """, connection);
        command.Parameters.AddWithValue(users);
        command.Parameters.AddWithValue(assets);
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Available).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Held).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Partition).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Value.Offset).ToArray());

        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var updated = 0;
        while (await reader.ReadAsync(cancellation))
        {
            updated++;
            var account = new AccountKey(reader.GetString(0), reader.GetString(1));
            var cached = new Balance(reader.GetInt64(2), reader.GetInt64(3));
            if (expected.TryGetValue(account, out var published) && published != cached)
                throw new BalanceCacheDrift($"balance cache of {account} is {cached} but the writer published {published}");
        }
        if (updated != rows.Length) throw new BalanceCacheDrift($"wrote {updated} balances of the {rows.Length} the batch touched");
    }

    private readonly record struct Change(long Available, long Held, int Partition, long Offset);
}

/// <summary>The balance cache disagrees with the log: a bug. The batch is not committed.</summary>
public sealed class BalanceCacheDrift(string message) : Exception(message);
