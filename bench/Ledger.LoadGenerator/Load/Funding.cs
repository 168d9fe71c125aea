using System.Net.Http.Headers;
using System.Text;

namespace Ledger.LoadGenerator.Load;

/// <summary>Before a run: deposits to every user (USD and BTC, as the treasury) so that withdrawals,
/// orders and transfers are mostly accepted. Not measured.</summary>
public static class Funding
{
    public const string UsdAmount = "1000000.00";
    public const string BtcAmount = "1000.00000000";

    /// <returns>Deposits that were not accepted (they are reported; the run still goes on).</returns>
    public static async Task<long> Run(HttpClient http, Tokens tokens, int users, int callers)
    {
        var next = 0;
        long failed = 0;
        var runId = Guid.NewGuid().ToString("N")[..12];
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int rank;
            while ((rank = Interlocked.Increment(ref next)) <= users)
            {
                foreach (var (asset, amount) in new[] { ("USD", UsdAmount), ("BTC", BtcAmount) })
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits")
                    {
                        Content = new ByteArrayContent(Encoding.UTF8.GetBytes(
                            $$"""{"userId":"{{CommandMix.UserId(rank)}}","asset":"{{asset}}","amount":"{{amount}}"}""")),
                    };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Treasury);
                    request.Headers.Add("Idempotency-Key", $"fund-{runId}-{rank}-{asset}");
                    using var response = await http.SendAsync(request);
                    if ((int)response.StatusCode is not (200 or 201))
                    {
                        if (Interlocked.Increment(ref failed) <= 3)
                            Console.Error.WriteLine($"funding {CommandMix.UserId(rank)} {asset}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return failed;
    }
}
