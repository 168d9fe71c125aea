using Ledger.Domain.Accounts;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.MartenBenchmark;

/// <summary>
/// What every design must end with, computed from the events alone: each account's books, each
/// (day, asset) row's counters, and each partition's next offset. Rows that are all zero are left
/// out on both sides (a design may or may not keep a row for a user who moved nothing).
/// </summary>
public sealed class SumsCheck
{
    private readonly Dictionary<string, (long Available, long Held)> _balances = new();
    private readonly Dictionary<string, long[]> _statistics = new();
    private readonly Dictionary<string, long[]> _flatStatistics = new();
    private readonly Dictionary<int, long> _nextOffsets;
    private readonly int _events;

    public SumsCheck(IReadOnlyList<ProjectedEvent> stream, IReadOnlyList<LedgerRecorded> recorded)
    {
        _events = stream.Count;
        foreach (var (account, change) in BalanceCache.Fold(stream).ByAccount)
            _balances[LedgerRecorded.AccountId(account.UserId, account.Asset)] = (change.Available, change.Held);
        foreach (var ((day, asset), totals) in DailyStatistics.Fold(stream).ByAsset)
            _statistics[LedgerRecorded.StatisticsId(day, asset)] = totals.Values;
        foreach (var e in recorded)
        {
            if (!_flatStatistics.TryGetValue(e.Flat.Id, out var sums)) _flatStatistics[e.Flat.Id] = sums = new long[DailyStatistics.Counters.Count];
            var counters = e.Flat.Counters();
            for (var i = 0; i < sums.Length; i++) sums[i] += counters[i];
        }
        _nextOffsets = stream.GroupBy(e => e.Partition).ToDictionary(g => g.Key, g => g.Max(e => e.Offset) + 1);
    }

    /// <summary>The projector's tables (balances, stats_daily, projector_offsets).</summary>
    public async Task<string> Projector(NpgsqlDataSource source)
    {
        var balances = await Read(source, "select user_id || '/' || asset, available, held from balances",
            r => (r.GetString(0), (r.GetInt64(1), r.GetInt64(2))));
        var statistics = await Read(source, $"select to_char(day, 'YYYY-MM-DD') || '/' || asset, {string.Join(", ", DailyStatistics.Counters)} from stats_daily",
            r => (r.GetString(0), Enumerable.Range(1, DailyStatistics.Counters.Count).Select(r.GetInt64).ToArray()));
        var offsets = await Read(source, $"select kafka_partition, next_offset from projector_offsets where topic = '{MartenDesign.Topic}'",
            r => (r.GetInt32(0), r.GetInt64(1)));
        return Verdict(Events(await Count(source, "select count(*) from events")), Balances(balances),
            Statistics("daily statistics", statistics, _statistics), Offsets(offsets));
    }

    /// <summary>Marten's documents, flat table and event table after a design ran.</summary>
    public async Task<string> Marten(NpgsqlDataSource source, MartenDesign design)
    {
        var problems = new List<string?> { Events(await Count(source, "select count(*) from mt_events")) };
        if (design.Balances != Runs.Not)
            problems.Add(Balances(await Read(source, "select id, (data->>'Available')::bigint, (data->>'Held')::bigint from mt_doc_accountbalance",
                r => (r.GetString(0), (r.GetInt64(1), r.GetInt64(2))))));
        if (design.Statistics != Runs.Not && design.FlatStatistics)
            problems.Add(Statistics("flat statistics", await Read(source,
                $"select id, {string.Join(", ", DailyStatistics.Counters.Select(c => $"coalesce({c}, 0)"))} from {FlatStatisticsProjection.Table}",
                r => (r.GetString(0), Enumerable.Range(1, DailyStatistics.Counters.Count).Select(r.GetInt64).ToArray())), _flatStatistics));
        else if (design.Statistics != Runs.Not)
            problems.Add(Statistics("daily statistics", await Read(source, "select id, data->'Counters' from mt_doc_dailyassetstatistics",
                r => (r.GetString(0), System.Text.Json.JsonSerializer.Deserialize<long[]>(r.GetString(1))!)), _statistics));
        // The bulk import cannot save a document in its transaction: its offsets are the ones its events carry.
        problems.Add(Offsets(design.Append == Append.BulkImport
            ? await Read(source, "select (data->>'Partition')::int, max((data->>'Offset')::bigint) + 1 from mt_events group by 1",
                r => (r.GetInt32(0), r.GetInt64(1)))
            : await Read(source, "select id, (data->>'NextOffset')::bigint from mt_doc_kafkaoffset",
                r => (int.Parse(r.GetString(0).Split('/')[1]), r.GetInt64(1)))));
        return Verdict([.. problems]);
    }

    private string? Events(long count) => count == _events ? null : $"{count} events stored of {_events}";

    private string? Balances(Dictionary<string, (long Available, long Held)> actual)
    {
        var expected = _balances.Where(b => b.Value != (0, 0)).ToDictionary();
        var kept = actual.Where(b => b.Value != (0, 0)).ToDictionary();
        var wrong = expected.Count(b => !kept.TryGetValue(b.Key, out var v) || v != b.Value) + kept.Keys.Count(k => !expected.ContainsKey(k));
        return wrong == 0 ? null : $"{wrong} of {expected.Count} balances differ from the events' sums";
    }

    private static string? Statistics(string name, Dictionary<string, long[]> actual, Dictionary<string, long[]> expectedAll)
    {
        var expected = expectedAll.Where(s => s.Value.Any(v => v != 0)).ToDictionary();
        var kept = actual.Where(s => s.Value.Any(v => v != 0)).ToDictionary();
        var wrong = expected.Count(s => !kept.TryGetValue(s.Key, out var v) || !v.SequenceEqual(s.Value)) + kept.Keys.Count(k => !expected.ContainsKey(k));
        return wrong == 0 ? null : $"{wrong} of {expected.Count} {name} rows differ from the events' sums";
    }

    private string? Offsets(Dictionary<int, long> actual) =>
        _nextOffsets.All(o => actual.GetValueOrDefault(o.Key, -1) == o.Value) && actual.Count == _nextOffsets.Count
            ? null : "the stored offsets are not the events' next offsets";

    private static string Verdict(params string?[] problems)
    {
        var found = problems.Where(p => p is not null).ToList();
        return found.Count == 0 ? "sums exact" : "WRONG: " + string.Join("; ", found);
    }

    private static async Task<long> Count(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Dictionary<TKey, TValue>> Read<TKey, TValue>(NpgsqlDataSource source, string sql,
        Func<NpgsqlDataReader, (TKey, TValue)> row) where TKey : notnull
    {
        var rows = new Dictionary<TKey, TValue>();
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (key, value) = row(reader);
            rows[key] = value;
        }
        return rows;
    }
}
