using Ledger.Api.Access;
using System.Globalization;
using System.Text;
using Ledger.Api.Edge;
using Ledger.Api.ReadModel;
using Ledger.Domain.Assets;
using Npgsql;

namespace Ledger.Api.Statistics;

/// <summary>
/// GET /v1/stats/daily?from=&amp;to=&amp;asset= and GET /v1/stats/daily/users/{userId}?from=&amp;to=:
/// the daily statistics the projector keeps, per UTC day and asset. JSON by default, CSV with
/// Accept: text/csv. At most 366 days per request; amounts are decimal strings in the asset's scale;
/// days without activity have no row.
/// </summary>
public static class DailyStatisticsApi
{
    private const string Counters = """
        deposits_count, deposits_amount, withdrawals_count, withdrawals_amount, volume_base, volume_quote, fees,
        orders_placed, orders_filled, orders_cancelled, orders_rejected
        """;

    /// <summary>The same columns of stats_daily_user joined as "s".</summary>
    private static readonly string UserRowCounters =
        string.Join(", ", Counters.Split(',').Select(column => "s." + column.Trim()));

    public static RouteGroupBuilder MapDailyStatistics(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/stats/daily").WithTags("Statistics").RequireAuthorization(Policies.Statistics);
        group.MapGet("", ByAsset).WithName("getDailyStatistics")
            .DocumentRead("Daily statistics", "Per UTC day and asset, at most 366 days, both ends included; JSON, or CSV with Accept: text/csv.");
        group.MapGet("/users/{userId}", ByUser).WithName("getUserDailyStatistics")
            .DocumentRead("A user's daily statistics", "The same per asset for one user (no activeUsers).");
        return group;
    }

    private static async Task<IResult> ByAsset(string? from, string? to, string? asset, DailyStatisticsQueryValidator validator,
        HttpRequest http, NpgsqlDataSource readModel, AssetCatalog assets, CancellationToken cancellation)
    {
        if (validator.Problem(new DailyStatisticsQuery(from, to, asset)) is { } invalid) return invalid;
        var (first, last) = (ReadQuery.ValidDay(from), ReadQuery.ValidDay(to));
        var onlyAsset = string.IsNullOrEmpty(asset) ? null : asset;
        return await Answer($"""
            select day, asset, {Counters}, active_users from stats_daily
             where day between $1 and $2 and ($3::text is null or asset = $3) order by day, asset
            """, [first, last, (object?)onlyAsset ?? DBNull.Value], withActiveUsers: true, http, readModel, assets, cancellation);
    }

    private static async Task<IResult> ByUser(string userId, string? from, string? to, UserDailyStatisticsQueryValidator validator,
        HttpRequest http, NpgsqlDataSource readModel, AssetCatalog assets, CancellationToken cancellation)
    {
        if (validator.Problem(new UserDailyStatisticsQuery(userId, from, to)) is { } invalid) return invalid;
        var (first, last) = (ReadQuery.ValidDay(from), ReadQuery.ValidDay(to));
        // The table's one index is (day, user_id, asset): one probe per day of the range (at most 366),
        // never a scan of every user's rows of those days.
        return await Answer($"""
            select s.day, s.asset, {UserRowCounters}
              from generate_series(0, $2 - $1) as offsets(days)
              join stats_daily_user s on s.day = $1 + offsets.days and s.user_id = $3
             order by s.day, s.asset
            """, [first, last, userId], withActiveUsers: false, http, readModel, assets, cancellation);
    }

    private sealed record Row(DateOnly Day, string Asset, long[] Counters, long? ActiveUsers);

    private static async Task<IResult> Answer(string sql, object[] parameters, bool withActiveUsers, HttpRequest http,
        NpgsqlDataSource readModel, AssetCatalog assets, CancellationToken cancellation)
    {
        await using var connection = await readModel.OpenConnectionAsync(cancellation);
        var rows = new List<Row>();
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            command.Parameters.AddWithValue(parameters[0]);
            command.Parameters.AddWithValue(parameters[1]);
            command.Parameters.Add(new NpgsqlParameter { Value = parameters[2], NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                var counters = Enumerable.Range(2, 11).Select(reader.GetInt64).ToArray();
                rows.Add(new Row(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), counters,
                    withActiveUsers ? reader.GetInt64(13) : null));
            }
        }
        var freshness = await Freshness.Read(connection, cancellation);
        if (http.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            http.HttpContext.Response.Headers["Ledger-As-Of-Sequence"] = freshness.EventSequence?.ToString(CultureInfo.InvariantCulture) ?? "";
            http.HttpContext.Response.Headers["Ledger-As-Of-Time"] = freshness.EventTime?.ToString("O", CultureInfo.InvariantCulture) ?? "";
            return TypedResults.Text(Csv(rows, withActiveUsers, assets), "text/csv; charset=utf-8");
        }
        return TypedResults.Ok(new { days = rows.Select(r => Json(r, assets)), asOf = freshness });
    }

    private static Dictionary<string, object?> Json(Row row, AssetCatalog assets)
    {
        string Money(long minor) => ReadQuery.Money(minor, row.Asset, assets);
        var c = row.Counters;
        var json = new Dictionary<string, object?>
        {
            ["day"] = row.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["asset"] = row.Asset,
            ["deposits"] = new { count = c[0], amount = Money(c[1]) },
            ["withdrawals"] = new { count = c[2], amount = Money(c[3]) },
            ["volumeBase"] = Money(c[4]),
            ["volumeQuote"] = Money(c[5]),
            ["fees"] = Money(c[6]),
            ["ordersPlaced"] = c[7],
            ["ordersFilled"] = c[8],
            ["ordersCancelled"] = c[9],
            ["ordersRejected"] = c[10],
        };
        if (row.ActiveUsers is { } users) json["activeUsers"] = users;
        return json;
    }

    private static string Csv(List<Row> rows, bool withActiveUsers, AssetCatalog assets)
    {
        var csv = new StringBuilder("day,asset,deposits_count,deposits_amount,withdrawals_count,withdrawals_amount,"
            + "volume_base,volume_quote,fees,orders_placed,orders_filled,orders_cancelled,orders_rejected");
        csv.Append(withActiveUsers ? ",active_users\n" : "\n");
        foreach (var row in rows)
        {
            string Money(long minor) => ReadQuery.Money(minor, row.Asset, assets);
            var c = row.Counters;
            csv.Append(CultureInfo.InvariantCulture,
                $"{row.Day:yyyy-MM-dd},{row.Asset},{c[0]},{Money(c[1])},{c[2]},{Money(c[3])},{Money(c[4])},{Money(c[5])},{Money(c[6])},{c[7]},{c[8]},{c[9]},{c[10]}");
            csv.Append(withActiveUsers ? $",{row.ActiveUsers}\n" : "\n");
        }
        return csv.ToString();
    }
}
