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
    /// <summary>A batch folded per account: what it adds, and what the writer says the balance is after it.</summary>
    public sealed class Changes
    {
        public Dictionary<AccountKey, Change> ByAccount { get; } = new();
        public Dictionary<AccountKey, Balance> Published { get; } = new();

        /// <summary>Which event published each balance: where to look in the log when one drifts.</summary>
        public Dictionary<AccountKey, string> PublishedBy { get; } = new();
    }

    public readonly record struct Change(long Available, long Held, int Partition, long Offset);

    public static Changes Fold(IReadOnlyList<ProjectedEvent> batch)
    {
        var changes = new Changes();
        foreach (var projected in batch)
        {
            var @event = projected.Message.Event;
            foreach (var posting in projected.Postings)
            {
                if (!posting.IsUserBook) continue;
                var account = new AccountKey(posting.Owner, posting.Asset);
                var change = changes.ByAccount.GetValueOrDefault(account);
                changes.ByAccount[account] = posting.Book == Book.Available
                    ? change with { Available = checked(change.Available + posting.Amount), Partition = projected.Partition, Offset = projected.Offset }
                    : change with { Held = checked(change.Held + posting.Amount), Partition = projected.Partition, Offset = projected.Offset };
            }
            foreach (var (asset, balance) in projected.Message.BalancesAfter)
            {
                var account = new AccountKey(@event.Request.UserId, asset);
                changes.Published[account] = balance;
                changes.PublishedBy[account] =
                    $"{@event.GetType().Name} of command {@event.Request.CommandId} at ledger.events partition {projected.Partition} offset {projected.Offset}";
            }
        }
        return changes;
    }

    /// <summary>
    /// One statement: add to the accounts that exist, open the others with the batch's change, and
    /// return every balance written. (An upsert would not do: PostgreSQL checks "available >= 0" on the
    /// proposed row before ON CONFLICT, and a change may be negative.) No other transaction opens these
    /// accounts meanwhile: a user's books change only in their partition's events, and the batch holds
    /// its partitions' offsets. Null when the batch moves no user's money.
    /// </summary>
    public static NpgsqlBatchCommand? Add(Changes changes)
    {
        if (changes.ByAccount.Count == 0) return null;
        // In the order of the primary key: the accounts opened land on neighbouring index pages.
        var rows = changes.ByAccount.OrderBy(r => r.Key.UserId, StringComparer.Ordinal).ThenBy(r => r.Key.Asset, StringComparer.Ordinal).ToArray();
        return new NpgsqlBatchCommand("""
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
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.UserId)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Key.Asset)] },
                new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Value.Available)] },
                new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Value.Held)] },
                new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Value.Partition)] },
                new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Value.Offset)] },
            },
        };
    }

    /// <summary>Reads the balances <see cref="Add"/> returned and compares them with the published ones.</summary>
    public static async Task Check(NpgsqlDataReader reader, Changes changes, CancellationToken cancellation)
    {
        // Not drift: the reader would stand on another statement's result (a bug of this code).
        if (reader.FieldCount != 4) throw new InvalidOperationException($"expected the balances' 4 columns, found {reader.FieldCount}");
        var written = 0;
        while (await reader.ReadAsync(cancellation))
        {
            written++;
            var account = new AccountKey(reader.GetString(0), reader.GetString(1));
            var cached = new Balance(reader.GetInt64(2), reader.GetInt64(3));
            if (changes.Published.TryGetValue(account, out var published) && published != cached)
            {
                // Enough to find the cause in the log afterwards: the event, and what this batch changed.
                var change = changes.ByAccount.GetValueOrDefault(account);
                throw new BalanceCacheDrift($"balance cache of {account} is {cached} but the writer published {published} " +
                    $"with {changes.PublishedBy[account]}; this batch of events changed it by available {change.Available}, " +
                    $"held {change.Held} (its last posting at partition {change.Partition} offset {change.Offset})");
            }
        }
        if (written != changes.ByAccount.Count)
            throw new BalanceCacheDrift($"wrote {written} balances of the {changes.ByAccount.Count} the batch touched");
    }
}

/// <summary>The balance cache disagrees with the log: a bug. The batch is not committed.</summary>
public sealed class BalanceCacheDrift(string message) : Exception(message);
