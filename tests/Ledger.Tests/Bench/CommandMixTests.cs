using System.Text;
using Ledger.LoadGenerator.Load;
using Xunit;

namespace Ledger.Tests.Bench;

/// <summary>The load generator makes what it can before the run; the requests must still be the mix's.</summary>
public sealed class CommandMixTests
{
    private const int Users = 50;
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly Tokens Tokens = new(Key, Users, CommandMix.UserId, TimeSpan.FromHours(1), DateTimeOffset.UnixEpoch);

    [Fact]
    public void every_kind_of_command_has_its_route_body_and_token()
    {
        var mix = new CommandMix(Tokens, Users, "run1");
        var random = new Random(3); // fixed: the test is deterministic
        var seen = new Dictionary<CommandKind, PlannedRequest>();
        for (var i = 0; i < 2_000 && seen.Count < 5; i++)
        {
            var planned = mix.Next(random, 7);
            seen.TryAdd(planned.Kind, planned);
            mix.Accepted(planned); // so that fills find orders to fill
        }

        Assert.Equal(Enum.GetValues<CommandKind>().ToHashSet(), seen.Keys.ToHashSet());
        AssertRequest(seen[CommandKind.Deposit], "/v1/deposits", """{"userId":"u7","asset":"USD","amount":"10.00"}""", Tokens.Treasury);
        AssertRequest(seen[CommandKind.Withdrawal], "/v1/withdrawals", """{"userId":"u7","asset":"USD","amount":"1.00"}""", Tokens.User(7));

        var order = seen[CommandKind.Order];
        Assert.NotNull(order.Placing);
        AssertRequest(order, "/v1/orders",
            $$"""{"orderId":"{{order.Placing.OrderId}}","userId":"u7","market":"BTC-USD","side":"{{order.Placing.Side}}","price":"100.00","quantity":"0.01"}""",
            Tokens.User(7));
        Assert.StartsWith("run1-o", order.Placing.OrderId);

        var fill = seen[CommandKind.Fill];
        Assert.Matches("""^/v1/orders/run1-o[0-9]+/fills$""", fill.Path);
        Assert.Matches("""^\{"userId":"u7","fillId":"f1","market":"BTC-USD","side":"(buy|sell)","quantity":"0.01","price":"100.00"\}$""",
            Encoding.UTF8.GetString(fill.Body));
        Assert.Equal($"Bearer {Tokens.Engine}", fill.Authorization);

        var transfer = seen[CommandKind.Transfer];
        Assert.Matches("""^\{"fromUserId":"u7","toUserId":"u[0-9]+","asset":"USD","amount":"0.01"\}$""", Encoding.UTF8.GetString(transfer.Body));
        Assert.DoesNotContain("\"toUserId\":\"u7\"", Encoding.UTF8.GetString(transfer.Body)); // never to oneself
        Assert.Equal($"Bearer {Tokens.User(7)}", transfer.Authorization);
    }

    [Fact]
    public void a_fill_takes_only_an_order_the_ledger_accepted_and_each_order_once()
    {
        var mix = new CommandMix(Tokens, Users, "run2");
        var random = new Random(5);
        var accepted = new List<string>();
        var filled = new List<string>();
        for (var i = 0; i < 2_000; i++)
        {
            var planned = mix.Next(random, 1 + i % Users);
            if (planned.Kind == CommandKind.Fill) filled.Add(planned.Path);
            if (planned.Placing is not null && i % 2 == 0) // every other order accepted
            {
                mix.Accepted(planned);
                accepted.Add(CommandMix.FillsPath(planned.Placing.OrderId));
            }
        }

        Assert.NotEmpty(filled);
        Assert.Subset(accepted.ToHashSet(), filled.ToHashSet());
        Assert.Equal(filled.Count, filled.Distinct().Count());
    }

    private static void AssertRequest(PlannedRequest planned, string path, string body, string token)
    {
        Assert.Equal(path, planned.Path);
        Assert.Equal(body, Encoding.UTF8.GetString(planned.Body));
        Assert.Equal($"Bearer {token}", planned.Authorization);
    }
}
