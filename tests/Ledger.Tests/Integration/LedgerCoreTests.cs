using System.Net;
using Ledger.Kafka;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>Orders, fills, cancels, withdrawals and transfers through HTTP and Kafka, 12 partitions.</summary>
public sealed class LedgerCoreTests(LedgerCoreTests.Fixture shared) : IClassFixture<LedgerCoreTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public RunningLedger Ledger { get; private set; } = null!;
        public async Task InitializeAsync() => Ledger = await RunningLedger.Start(partitions: 12, brokers: 3);
        public async Task DisposeAsync() => await Ledger.DisposeAsync();
    }

    private RunningLedger Ledger => shared.Ledger;

    [Fact]
    public async Task two_hundred_concurrent_withdrawals_never_overdraw_one_account()
    {
        Assert.Equal(HttpStatusCode.Created, (await Ledger.Send("/v1/deposits", new { userId = "hot", asset = "USD", amount = "100.00" }, "d")).Status);

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Ledger.Send("/v1/withdrawals", new { userId = "hot", asset = "USD", amount = "1.00" }, $"w-{i}")));

        Assert.Equal(100, answers.Count(a => a.Status == HttpStatusCode.Created));
        Assert.Equal(100, answers.Count(a => a.Status == HttpStatusCode.UnprocessableEntity && a.Code == "insufficient_funds"));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.Created),
            a => Assert.False(a.Balance.GetProperty("available").GetString()!.StartsWith('-')));
        await AssertProjected("hot", "USD", available: "0.00", held: "0.00");
    }

    [Fact]
    public async Task a_buy_order_with_a_partial_fill_at_a_better_price_then_a_cancel_leaves_exact_balances()
    {
        await Ledger.Send("/v1/deposits", new { userId = "buyer", asset = "USD", amount = "1000.00" }, "d");
        var placed = await Ledger.Send("/v1/orders",
            new { orderId = "b-1", userId = "buyer", market = "BTC-USD", side = "buy", price = "50000.00", quantity = "0.01" }, "o");
        Assert.Equal(HttpStatusCode.Created, placed.Status);
        Assert.Equal("b-1", placed.Body.GetProperty("orderId").GetString());
        DepositsEndToEndTests.AssertBalance(placed.Balance, "USD", "500.00", "500.00", "1000.00");

        // 0.004 BTC at 49,000 instead of 50,000: costs 196.00, and the 4.00 saved on that part is released.
        var fill = await Ledger.Send("/v1/orders/b-1/fills", new
        {
            userId = "buyer", fillId = "f-1", market = "BTC-USD", side = "buy", quantity = "0.004", price = "49000.00", fee = "0.00001",
        }, "f");
        Assert.Equal(HttpStatusCode.Created, fill.Status);

        var cancel = await Ledger.Send("/v1/orders/b-1/cancel", new { userId = "buyer" }, "c");
        Assert.Equal(HttpStatusCode.Created, cancel.Status);
        DepositsEndToEndTests.AssertBalance(cancel.Balance, "USD", "804.00", "0.00", "804.00");

        var again = await Ledger.Send("/v1/orders/b-1/cancel", new { userId = "buyer" }, "c-2");
        Assert.Equal("order_not_open", again.Code);
        var late = await Ledger.Send("/v1/orders/b-1/fills", new
        {
            userId = "buyer", fillId = "f-2", market = "BTC-USD", side = "buy", quantity = "0.001", price = "50000.00", fee = "0",
        }, "f-2");
        Assert.Equal("order_not_open", late.Code);

        await AssertProjected("buyer", "USD", available: "804.00", held: "0.00");
        await AssertProjected("buyer", "BTC", available: "0.00399000", held: "0.00000000");
        var order = (await Ledger.GetJson("/v1/orders/b-1?userId=buyer")).GetProperty("order");
        Assert.Equal("cancelled", order.GetProperty("status").GetString());
        Assert.Equal("0.00400000", order.GetProperty("filledQuantity").GetString());
        Assert.Equal("0.00", order.GetProperty("held").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Ledger.Http.GetAsync("/v1/orders/b-1?userId=stranger")).StatusCode);
    }

    [Fact]
    public async Task a_sell_order_filled_in_two_parts_completes_and_refuses_more()
    {
        await Ledger.Send("/v1/deposits", new { userId = "seller", asset = "BTC", amount = "1" }, "d");
        await Ledger.Send("/v1/orders", new { orderId = "s-1", userId = "seller", market = "BTC-USD", side = "sell", price = "60000.00", quantity = "0.5" }, "o");

        var first = await Ledger.Send("/v1/orders/s-1/fills", new
        {
            userId = "seller", fillId = "f-1", market = "BTC-USD", side = "sell", quantity = "0.2", price = "61000.00", fee = "1.00",
        }, "f-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var repeatedFill = await Ledger.Send("/v1/orders/s-1/fills", new
        {
            userId = "seller", fillId = "f-1", market = "BTC-USD", side = "sell", quantity = "0.2", price = "61000.00", fee = "1.00",
        }, "f-1");
        Assert.True(repeatedFill.Replayed);
        var last = await Ledger.Send("/v1/orders/s-1/fills", new
        {
            userId = "seller", fillId = "f-2", market = "BTC-USD", side = "sell", quantity = "0.3", price = "60000.00", fee = "0",
        }, "f-2");
        Assert.Equal(HttpStatusCode.Created, last.Status);
        var overfill = await Ledger.Send("/v1/orders/s-1/fills", new
        {
            userId = "seller", fillId = "f-3", market = "BTC-USD", side = "sell", quantity = "0.1", price = "60000.00", fee = "0",
        }, "f-3");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, overfill.Status);

        await AssertProjected("seller", "BTC", available: "0.50000000", held: "0.00000000");
        await AssertProjected("seller", "USD", available: "30199.00", held: "0.00");
    }

    [Fact]
    public async Task a_cancel_by_a_user_who_does_not_own_the_order_is_refused_with_order_not_found()
    {
        await Ledger.Send("/v1/deposits", new { userId = "owner", asset = "USD", amount = "100.00" }, "d");
        await Ledger.Send("/v1/orders", new { orderId = "mine", userId = "owner", market = "ETH-USD", side = "buy", price = "10.00", quantity = "1" }, "o");

        var stranger = await Ledger.Send("/v1/orders/mine/cancel", new { userId = "stranger" }, "c");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, stranger.Status);
        Assert.Equal("order_not_found", stranger.Code);
    }

    [Fact]
    public async Task transfers_between_users_on_different_partitions_complete_exactly_once_even_when_sent_three_times()
    {
        var (from, to) = UsersOnDifferentPartitions("payer", "payee");
        await Ledger.Send("/v1/deposits", new { userId = from, asset = "EUR", amount = "50.00" }, "d");

        var body = new { transferId = "t-1", fromUserId = from, toUserId = to, asset = "EUR", amount = "20.00" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Ledger.Send("/v1/transfers", body, "t")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Equal("t-1", answers[0].Body.GetProperty("transferId").GetString());

        var tooMuch = await Ledger.Send("/v1/transfers", new { fromUserId = from, toUserId = to, asset = "EUR", amount = "30.01" }, "t-2");
        Assert.Equal("insufficient_funds", tooMuch.Code);

        await AssertProjected(to, "EUR", available: "20.00", held: "0.00");
        await AssertProjected(from, "EUR", available: "30.00", held: "0.00");
        var saga = await Ledger.GetJson($"/v1/transfers/t-1?fromUserId={from}");
        Assert.Equal("completed", saga.GetProperty("status").GetString());
        Assert.Equal(new[] { "TransferDebited", "TransferCredited" },
            saga.GetProperty("steps").EnumerateArray().Select(step => step.GetProperty("eventType").GetString()!).ToArray());
        Assert.Equal(1, await Ledger.Postgres.Scalar<long>($"select count(*) from events where type = 'TransferCredited' and user_id = '{to}'"));
    }

    private (string From, string To) UsersOnDifferentPartitions(string fromPrefix, string toPrefix)
    {
        var partitions = Ledger.Kafka.Options.Partitions;
        var from = $"{fromPrefix}-0";
        var to = Enumerable.Range(0, 100).Select(i => $"{toPrefix}-{i}")
            .First(user => UserPartitioner.PartitionOf(user, partitions) != UserPartitioner.PartitionOf(from, partitions));
        return (from, to);
    }

    private async Task AssertProjected(string userId, string asset, string available, string held)
    {
        string? last = null;
        await Eventually.Until(async () =>
        {
            var balances = (await Ledger.GetJson($"/v1/accounts/{userId}/balances")).GetProperty("balances");
            var row = balances.EnumerateArray().FirstOrDefault(b => b.GetProperty("asset").GetString() == asset);
            last = row.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "none" : row.ToString();
            return row.ValueKind != System.Text.Json.JsonValueKind.Undefined
                && row.GetProperty("available").GetString() == available && row.GetProperty("held").GetString() == held;
        }, TimeSpan.FromSeconds(30), $"{userId} {asset} projected as {available}/{held} (last seen {last})");
    }
}
