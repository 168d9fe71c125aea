using System.Text;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Markets;
using Ledger.Contracts;

namespace Ledger.Api.Audit;

/// <summary>
/// One pass over the event store, in each partition's log order, for two checks:
/// - the balance cache equals a replay of the event store with the domain's own Evolve (the function a
///   writer rebuilds its state with), partition by partition, so the replay re-checks every event
///   against the rules (double entry, no balance below zero, no step taken twice) in the order it was
///   decided, which summing entries would not;
/// - the event store equals ledger.events on Kafka, the source of truth, record by record up to the
///   projector's stored offsets.
/// </summary>
internal static class StoreChecks
{
    public static async Task<IReadOnlyList<AuditCheck>> ReplayAndCompare(AuditSql sql, EventLog log, IReadOnlyDictionary<int, long> projected,
        EventCodec codec, MarketCatalog markets, TimeSpan idempotencyWindow, AuditOptions options, CancellationToken cancellation)
    {
        var replay = new CheckFindings("balance_cache_equals_replay",
            "the balance cache equals a replay of the event store with the domain's Evolve, partition by partition in log order",
            options.ExamplesMax);
        var copy = new CheckFindings("event_store_equals_kafka",
            "every record of ledger.events below the projector's stored offsets is in the event store, at its offset, and nothing else is",
            options.ExamplesMax);

        var replayed = new Dictionary<AccountKey, Balance>();
        var seen = log.ByOffset.Select(_ => new HashSet<long>()).ToArray();
        var states = new Dictionary<int, LedgerState>();
        var broken = new HashSet<int>(); // partitions whose replay stopped at a violation
        await using (var command = sql.Command("""
            select kafka_partition, kafka_offset, command_id, type, body::text from events order by kafka_partition, kafka_offset
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var (partition, offset) = (reader.GetInt32(0), reader.GetInt64(1));
                var (commandId, type, body) = (reader.GetGuid(2), reader.GetString(3), reader.GetString(4));
                copy.Checked++;
                CompareWithKafka(copy, log, projected, seen, partition, offset, commandId, type);
                if (broken.Contains(partition)) continue;
                if (!states.TryGetValue(partition, out var state))
                    states[partition] = state = new LedgerState(idempotencyWindow, markets);
                try
                {
                    LedgerDecider.Evolve(state, codec.Decode(Encoding.UTF8.GetBytes(body)).Event);
                }
                catch (Exception error) when (error is LedgerInvariantViolation or MalformedMessage)
                {
                    broken.Add(partition);
                    replay.Differ($"replay of partition {partition} stopped at offset {offset}: {error.Message}");
                }
            }
        }
        foreach (var state in states.Values)
            foreach (var (account, balance) in state.Balances) replayed[account] = balance;

        await CompareBalances(sql, replay, replayed, cancellation);
        MissingFromStore(copy, log, projected, seen);
        return [replay.Result(), copy.Result()];
    }

    private static void CompareWithKafka(CheckFindings copy, EventLog log, IReadOnlyDictionary<int, long> projected, HashSet<long>[] seen,
        int partition, long offset, Guid commandId, string type)
    {
        var where = $"partition {partition} offset {offset}";
        if (partition < 0 || partition >= log.ByOffset.Length)
        {
            copy.Differ($"{where}: the store has an event of a partition ledger.events does not have");
            return;
        }
        seen[partition].Add(offset);
        if (!projected.TryGetValue(partition, out var next)) copy.Differ($"{where}: stored, but the projector has no offset for the partition");
        else if (offset >= next) copy.Differ($"{where}: stored beyond the projector's offset {next}");
        if (log.ByOffset[partition].TryGetValue(offset, out var logged))
        {
            if (logged.CommandId != commandId || logged.Type != type)
                copy.Differ($"{where}: the store has {type} of command {commandId}, ledger.events has {logged.Type} of command {logged.CommandId}");
        }
        else if (offset < log.Extents[partition].Start)
            copy.Differ($"{where}: cannot be compared, the broker deleted ledger.events before offset {log.Extents[partition].Start}");
        else
            copy.Differ($"{where}: {type} of command {commandId} is in the store but not on ledger.events");
    }

    private static void MissingFromStore(CheckFindings copy, EventLog log, IReadOnlyDictionary<int, long> projected, HashSet<long>[] seen)
    {
        foreach (var problem in log.Undecodable) copy.Differ($"not an event: {problem}");
        for (var partition = 0; partition < log.ByOffset.Length; partition++)
        {
            var next = projected.GetValueOrDefault(partition);
            foreach (var (offset, logged) in log.ByOffset[partition].OrderBy(e => e.Key))
            {
                if (offset >= next || seen[partition].Contains(offset)) continue;
                copy.Checked++;
                copy.Differ($"partition {partition} offset {offset}: {logged.Type} of command {logged.CommandId} is on ledger.events " +
                            $"below the projector's offset {next} but not in the store");
            }
        }
    }

    /// <summary>Both ways: every cached balance equals its replay, and every replayed balance is cached.
    /// An account missing on one side counts as zero (a zero posting makes a cache row, not a replayed one).</summary>
    private static async Task CompareBalances(AuditSql sql, CheckFindings replay, Dictionary<AccountKey, Balance> replayed,
        CancellationToken cancellation)
    {
        var cached = new HashSet<AccountKey>();
        await using var command = sql.Command("select user_id, asset, available, held from balances");
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            var account = new AccountKey(reader.GetString(0), reader.GetString(1));
            var balance = new Balance(reader.GetInt64(2), reader.GetInt64(3));
            cached.Add(account);
            replay.Checked++;
            var expected = replayed.GetValueOrDefault(account);
            if (balance != expected)
                replay.Differ($"{account.UserId} {account.Asset}: cache available {balance.Available} held {balance.Held}, " +
                              $"replay available {expected.Available} held {expected.Held}");
        }
        foreach (var (account, balance) in replayed.Where(r => !cached.Contains(r.Key) && r.Value != default))
        {
            replay.Checked++;
            replay.Differ($"{account.UserId} {account.Asset}: not in the cache, replay available {balance.Available} held {balance.Held}");
        }
    }
}
