using System.Net;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>Overload is refused at once with 429/503 and Retry-After, reads keep answering, and every
/// command that was accepted (201, or 202 "decision pending") takes effect.</summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task a_stalled_writer_makes_the_edge_refuse_new_commands_while_reads_answer_and_nothing_accepted_is_lost()
    {
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, separateWriter: true,
            environment: new Dictionary<string, string>
            {
                ["Commands__DecisionDeadline"] = "00:00:00.300",
                ["Commands__PartitionLagMax"] = "10",
                ["Commands__InFlightMax"] = "4",
                ["Commands__LagSampleInterval"] = "00:00:00.100",
            });
        Assert.Equal(HttpStatusCode.Created, (await ledger.SendUntilDecided("/v1/deposits",
            new { userId = "busy", asset = "USD", amount = "1.00" }, "first", TimeSpan.FromSeconds(30))).Status);

        // The only writer stops: commands can still be put on Kafka, but nothing decides them.
        ledger.Writer!.Kill();
        var accepted = new List<string>();
        var refused = new List<Answer>();
        for (var i = 0; refused.Count == 0; i++)
        {
            Assert.True(i < 200, "the edge refuses before 200 undecided commands pile up");
            var key = $"stalled-{i}";
            var answer = await ledger.Send("/v1/deposits", new { userId = "busy", asset = "USD", amount = "1.00" }, key);
            if (answer.Status == HttpStatusCode.Accepted) accepted.Add(key);
            else refused.Add(answer);
        }
        // The lag is sampled, and the first deposit's offsets may not be counted as committed yet: "about 10".
        Assert.True(accepted.Count >= 5, $"the first commands were taken ({accepted.Count})");
        Assert.All(refused, answer => Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status));
        Assert.Equal("ledger_overloaded", refused[0].Code);

        // Refused at once, with Retry-After, and reads still answer.
        using (var response = await ledger.Post("/v1/deposits", new { userId = "busy", asset = "USD", amount = "1.00" }, "refused-again"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After says when to come back");
        }
        using (var read = await ledger.Http.GetAsync("/v1/accounts/busy/balances"))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // A writer comes back: everything that was accepted is decided, once; the refused never were.
        await ledger.StartWriter();
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>(
                "select count(*) from events where user_id = 'busy' and type = 'Deposited'") == 1 + accepted.Count,
            TimeSpan.FromSeconds(60), $"every accepted deposit is decided and projected\n{ledger.Logs}");
        var balance = (await ledger.GetJson("/v1/accounts/busy/balances")).GetProperty("balances")[0];
        Assert.Equal(DepositsEndToEndTests.Format(100L * (1 + accepted.Count), "USD"), balance.GetProperty("available").GetString());
        Assert.Equal(0, await ledger.Postgres.Scalar<long>("select count(*) from events where idempotency_key like 'refused%'"));
    }

    [Fact]
    public async Task commands_beyond_the_in_flight_budget_are_refused_at_once()
    {
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, separateWriter: true,
            environment: new Dictionary<string, string>
            {
                ["Commands__DecisionDeadline"] = "00:00:10",
                ["Commands__InFlightMax"] = "3",
            });
        ledger.Writer!.Kill();

        // Nothing decides: three requests wait for their decision; the rest are refused without waiting.
        var sending = Enumerable.Range(0, 12).Select(i =>
            ledger.Send("/v1/deposits", new { userId = $"waiting-{i}", asset = "USD", amount = "1.00" }, $"w-{i}")).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await Task.WhenAny(sending);
        var refused = (await first);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "refused without waiting for the decision deadline");

        await ledger.StartWriter();
        var answers = await Task.WhenAll(sending);
        Assert.Equal(3, answers.Count(a => a.Status is HttpStatusCode.Created or HttpStatusCode.Accepted));
        Assert.Equal(9, answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task a_user_past_their_rate_limit_gets_429_while_another_user_goes_on()
    {
        await using var ledger = await RunningLedger.Start(partitions: 2, brokers: 1, environment: new Dictionary<string, string>
        {
            ["RateLimits__UserCommandsPerSecond"] = "1",
            ["RateLimits__UserCommandsBurst"] = "5",
        });
        foreach (var user in new[] { "eager", "calm" })
            await ledger.SendUntilDecided("/v1/deposits", new { userId = user, asset = "USD", amount = "100.00" }, $"fund-{user}", TimeSpan.FromSeconds(30));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            ledger.Send("/v1/withdrawals", new { userId = "eager", asset = "USD", amount = "0.01" }, $"eager-{i}")));
        // The bucket holds 5 and gains 1 a second while the 20 requests arrive.
        var allowed = 5 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        var created = answers.Count(a => a.Status == HttpStatusCode.Created);
        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(created, 1, allowed);
        Assert.Equal(20, created + limited.Count);
        Assert.All(limited, a => Assert.Equal("rate_limited", a.Code));

        var calm = await ledger.Send("/v1/withdrawals", new { userId = "calm", asset = "USD", amount = "0.01" }, "calm-1");
        Assert.Equal(HttpStatusCode.Created, calm.Status);
        using var read = await ledger.Http.GetAsync("/v1/accounts/eager/balances");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }
}
