using Npgsql;

namespace Ledger.Api.Audit;

/// <summary>The audit's queries, all on one connection inside the snapshot transaction. Each finding
/// query returns its first rows (bounded) with the total count beside them.</summary>
internal sealed class AuditSql(NpgsqlConnection connection, AuditOptions options)
{
    public NpgsqlConnection Connection => connection;

    public NpgsqlCommand Command(string sql) => new(sql, connection) { CommandTimeout = (int)options.QueryTimeout.TotalSeconds };

    public async Task Execute(string sql, CancellationToken cancellation)
    {
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    public async Task<AuditAsOf> AsOf(CancellationToken cancellation)
    {
        await using var command = Command("select now(), (select max(sequence) from events)");
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return new AuditAsOf(reader.GetFieldValue<DateTimeOffset>(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }

    public async Task<Dictionary<int, long>> ProjectorOffsets(string topic, CancellationToken cancellation)
    {
        await using var command = Command("select kafka_partition, next_offset from projector_offsets where topic = $1");
        command.Parameters.AddWithValue(topic);
        var offsets = new Dictionary<int, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) offsets[reader.GetInt32(0)] = reader.GetInt64(1);
        return offsets;
    }

    public async Task<long> Count(string sql, CancellationToken cancellation)
    {
        await using var command = Command(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
    }

    /// <summary>Runs a query whose rows are findings: the last column is count(*) over (), the others
    /// are joined into one line per finding (only the first ExamplesMax rows are fetched).</summary>
    public async Task Findings(CheckFindings findings, string what, string sql, CancellationToken cancellation, params object[] parameters)
    {
        await using var command = Command($"select * from ({sql}) finding limit {options.ExamplesMax}");
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        long total = 0;
        var examples = new List<string>();
        while (await reader.ReadAsync(cancellation))
        {
            total = reader.GetInt64(reader.FieldCount - 1);
            var columns = Enumerable.Range(0, reader.FieldCount - 1)
                .Select(i => $"{reader.GetName(i)} {(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))}");
            examples.Add($"{what}: {string.Join(", ", columns)}");
        }
        findings.Differ(total, examples);
    }

    /// <summary>Double entry over the whole ledger: every event's postings, and every asset's, sum to
    /// zero; and every event has exactly the entries its postings list.</summary>
    public async Task<AuditCheck> PostingsSumToZero(CancellationToken cancellation)
    {
        var findings = new CheckFindings("postings_sum_to_zero",
            "every event's postings, and all postings of each asset, sum to zero; every event has its postings as ledger entries",
            options.ExamplesMax);
        findings.Checked = await Count("select count(*) from events", cancellation);
        await Findings(findings, "asset out of balance", """
            select asset, sum(amount) as total, count(*) over () from ledger_entries
             group by asset having sum(amount) <> 0 order by asset
            """, cancellation);
        await Findings(findings, "event out of balance", """
            select sequence, asset, sum(amount) as total, count(*) over () from ledger_entries
             group by sequence, asset having sum(amount) <> 0 order by sequence, asset
            """, cancellation);
        await Findings(findings, "event whose entries differ from its postings", """
            select e.sequence, e.type, jsonb_array_length(e.body->'postings') as postings, coalesce(l.entries, 0) as entries, count(*) over ()
              from events e
              full join (select sequence, count(*) as entries from ledger_entries group by sequence) l on l.sequence = e.sequence
             where coalesce(jsonb_array_length(e.body->'postings'), -1) <> coalesce(l.entries, 0)
             order by coalesce(e.sequence, l.sequence)
            """, cancellation);
        return findings.Result();
    }

    /// <summary>No balance below zero now (the cache), and none at any point of history: the running sum
    /// of each user book's entries, leg by leg as Evolve applies them, never goes below zero.</summary>
    public async Task<AuditCheck> NoNegativeBalance(CancellationToken cancellation)
    {
        var findings = new CheckFindings("no_negative_balance",
            "no available or held balance is below zero, in the balance cache or at any point of the entries' history",
            options.ExamplesMax);
        findings.Checked = await Count("select count(*) from balances", cancellation);
        await Findings(findings, "negative balance", """
            select user_id, asset, available, held, count(*) over () from balances
             where available < 0 or held < 0 order by user_id, asset
            """, cancellation);
        await Findings(findings, "went below zero", """
            select owner_id, asset, book, sequence, leg, running, count(*) over () from (
                select owner_id, asset, book, sequence, leg,
                       sum(amount) over (partition by owner_id, asset, book order by sequence, leg) as running
                  from ledger_entries where book in ('available', 'held')) history
             where running < 0 order by sequence, leg
            """, cancellation);
        return findings.Result();
    }

    /// <summary>Every request took effect at most once: one decision per command id, one command per
    /// (user, idempotency key) within the idempotency window, one debit, credit decision and refund per
    /// transfer, one placement per order id, one application per fill id.</summary>
    public async Task<AuditCheck> AppliedAtMostOnce(TimeSpan idempotencyWindow, CancellationToken cancellation)
    {
        var findings = new CheckFindings("applied_at_most_once",
            "no two decisions for one command id, (user, idempotency key) within the window, transfer step, order id or fill id",
            options.ExamplesMax);
        findings.Checked = await Count("select count(*) from events", cancellation);
        await Findings(findings, "command decided more than once", """
            select command_id, count(*) as decisions, count(*) over () from events group by command_id having count(*) > 1 order by command_id
            """, cancellation);
        await Findings(findings, "idempotency key applied by more than one command", """
            select user_id, idempotency_key, count(distinct command_id) as commands, count(*) over () from events
             group by user_id, idempotency_key
            having count(distinct command_id) > 1 and max(at) - min(at) < $1
             order by user_id, idempotency_key
            """, cancellation, idempotencyWindow);
        await Findings(findings, "transfer step taken more than once", """
            select body->>'fromUserId' as from_user, body->>'transferId' as transfer_id, step, count(*) as times, count(*) over () from (
                select body, case type when 'TransferCreditRejected' then 'credit decided'
                                       when 'TransferCredited' then 'credit decided'
                                       when 'TransferDebited' then 'debited' else 'refunded' end as step
                  from events where type in ('TransferDebited', 'TransferCredited', 'TransferCreditRejected', 'TransferRefunded')) steps
             group by 1, 2, 3 having count(*) > 1 order by 1, 2, 3
            """, cancellation);
        await Findings(findings, "order placed more than once", """
            select user_id, body->>'orderId' as order_id, count(*) as times, count(*) over () from events
             where type = 'OrderPlaced' group by 1, 2 having count(*) > 1 order by 1, 2
            """, cancellation);
        await Findings(findings, "fill applied more than once", """
            select user_id, body->>'orderId' as order_id, body->>'fillId' as fill_id, count(*) as times, count(*) over () from events
             where type = 'OrderFilled' group by 1, 2, 3 having count(*) > 1 order by 1, 2, 3
            """, cancellation);
        return findings.Result();
    }
}
