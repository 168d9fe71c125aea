using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;
using Ledger.Contracts;
using Xunit;

namespace Ledger.Tests.Contracts;

public sealed class CodecRoundTripTests
{
    private static readonly Request Request = new(Guid.Parse("9b2f4a4e-8c1d-4e7a-9f00-0123456789ab"), "alice", "key-1", "fp");
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private static readonly Market BtcUsd = MarketCatalog.Default.Get("BTC-USD");
    private static readonly Market EthUsd = MarketCatalog.Default.Get("ETH-USD");

    private readonly CommandCodec _commands = new(AssetCatalog.Default);
    private readonly EventCodec _events = new(AssetCatalog.Default);

    private static readonly Command[] AllCommands =
    [
        new Deposit(Request, "USD", 10_000),
        new Withdraw(Request, "BTC", 1),
        new PlaceOrder(Request, "o-1", "BTC-USD", Side.Buy, 3_000_001, 12_345_678),
        new PlaceOrder(Request, "o-2", "ETH-USD", Side.Sell, 1, 1),
        new CancelOrder(Request, "o-1"),
        new Fill(Request, "o-1", "f-1", "BTC-USD", Side.Buy, 40_000_000, 2_999_999, 40_000),
        new Fill(Request, "o-2", "f-2", "ETH-USD", Side.Sell, 7, 123, 1),
        new Transfer(Request, "t-1", "alice", "bob", "ETH", 5),
        new CreditTransfer(Request with { UserId = "bob" }, "t-1", "alice", "bob", "ETH", 5),
        new RefundTransfer(Request, "t-1", "alice", "bob", "ETH", 5),
    ];

    private static readonly LedgerEvent[] AllEvents =
    [
        new Deposited(Request, At, "USD", 10_000),
        new DepositRejected(Request, At, "USD", 0, "invalid_amount"),
        new Withdrawn(Request, At, "BTC", 1),
        new WithdrawalRejected(Request, At, "BTC", 2, "insufficient_funds"),
        new OrderPlaced(Request, At, "o-1", BtcUsd, Side.Buy, 3_000_001, 12_345_678, Held: 370_371),
        new OrderPlaced(Request, At, "o-2", EthUsd, Side.Sell, 200_000, 5, Held: 5),
        new OrderRejected(Request, At, "o-3", "DOGE-USD", Side.Buy, "", "unknown_market"),
        new OrderRejected(Request, At, "o-3", "BTC-USD", Side.Sell, "BTC", "insufficient_funds"),
        new OrderCancelled(Request, At, "o-1", "USD", 1_234),
        new CancelRejected(Request, At, "o-9", "order_not_found"),
        new OrderFilled(Request, At, "o-1", "f-1", BtcUsd, Side.Buy, 40_000_000, 2_900_000, 1_160_000, 40_000, 40_000, false),
        new OrderFilled(Request, At, "o-2", "f-2", EthUsd, Side.Sell, 5, 200_000, 0, 0, 0, true),
        new FillRejected(Request, At, "o-1", "f-3", "overfill"),
        new TransferDebited(Request, At, "t-1", "alice", "bob", "ETH", 5),
        new TransferRejected(Request, At, "t-1", "alice", "alice", "ETH", 5, "same_account"),
        new TransferCredited(Request with { UserId = "bob" }, At, "t-1", "alice", "bob", "ETH", 5),
        new TransferCreditRejected(Request with { UserId = "bob" }, At, "t-1", "alice", "bob", "ETH", 5, "balance_limit_exceeded"),
        new TransferRefunded(Request, At, "t-1", "alice", "bob", "ETH", 5),
    ];

    public static TheoryData<Command> Commands() => new(AllCommands);

    public static TheoryData<LedgerEvent> Events() => new(AllEvents);

    [Theory]
    [MemberData(nameof(Commands))]
    public void every_command_decodes_to_what_was_encoded(Command command) =>
        Assert.Equal(command, _commands.Decode(_commands.Encode(command)));

    [Theory]
    [MemberData(nameof(Events))]
    public void every_event_decodes_to_what_was_encoded_with_its_balances(LedgerEvent @event)
    {
        var balances = new[] { new AssetBalance("USD", new Balance(12, 34)), new AssetBalance("BTC", new Balance(0, 1)) };
        var decoded = _events.Decode(_events.Encode(new EventMessage(@event, balances)));
        Assert.Equal(@event, decoded.Event);
        Assert.Equal(balances, decoded.BalancesAfter);
    }

    [Fact]
    public void every_command_and_event_type_has_a_round_trip_case()
    {
        var commandTypes = typeof(Command).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Command)) && !t.IsAbstract);
        var eventTypes = typeof(LedgerEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(LedgerEvent)) && !t.IsAbstract);
        Assert.Empty(commandTypes.Except(AllCommands.Select(command => command.GetType())));
        Assert.Empty(eventTypes.Except(AllEvents.Select(@event => @event.GetType())));
    }

    [Fact]
    public void place_order_is_camel_case_json_with_price_in_the_quote_scale_and_quantity_in_the_base_scale()
    {
        var json = Encoding.UTF8.GetString(_commands.Encode(new PlaceOrder(Request, "o-1", "BTC-USD", Side.Buy, 3_000_001, 12_345_678)));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("PlaceOrder", root.GetProperty("type").GetString());
        Assert.Equal("o-1", root.GetProperty("orderId").GetString());
        Assert.Equal("buy", root.GetProperty("side").GetString());
        Assert.Equal("30000.01", root.GetProperty("price").GetString());
        Assert.Equal("0.12345678", root.GetProperty("quantity").GetString());
    }

    [Fact]
    public void fill_fee_is_written_in_the_scale_of_the_asset_received()
    {
        var buy = Encoding.UTF8.GetString(_commands.Encode(new Fill(Request, "o-1", "f-1", "BTC-USD", Side.Buy, 1, 1, 40_000)));
        var sell = Encoding.UTF8.GetString(_commands.Encode(new Fill(Request, "o-1", "f-1", "BTC-USD", Side.Sell, 1, 1, 40_000)));
        Assert.Contains("\"fee\":\"0.00040000\"", buy);
        Assert.Contains("\"fee\":\"400.00\"", sell);
    }

    [Fact]
    public void order_filled_spells_out_its_postings_with_the_trade_settlement_book()
    {
        var filled = new OrderFilled(Request, At, "o-1", "f-1", BtcUsd, Side.Buy, 40_000_000, 2_900_000, 1_160_000, 40_000, 40_000, false);
        var json = Encoding.UTF8.GetString(_events.Encode(new EventMessage(filled, [])));
        Assert.Contains("\"book\":\"trade_settlement\"", json);
        Assert.Contains("\"completed\":false", json);
    }

    [Theory]
    [InlineData("""{"type":"PlaceOrder","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f","orderId":"o","market":"DOGE-USD","side":"buy","price":"1.00","quantity":"1"}""")]
    [InlineData("""{"type":"PlaceOrder","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f","orderId":"o","market":"BTC-USD","side":"hold","price":"1.00","quantity":"1"}""")]
    [InlineData("""{"type":"PlaceOrder","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f","orderId":"o","market":"BTC-USD","side":"buy","price":"1.001","quantity":"1"}""")]
    [InlineData("""{"type":"Fill","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f","orderId":"o","fillId":"f","market":"BTC-USD","side":"sell","quantity":"1","price":"1.00","fee":"0.001"}""")]
    [InlineData("""{"type":"Transfer","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f","transferId":"t","fromUserId":"a","toUserId":"b","asset":"USD","amount":"1e2"}""")]
    [InlineData("""{"type":"Teleport","commandId":"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab","userId":"a","idempotencyKey":"k","fingerprint":"f"}""")]
    public void commands_with_unknown_markets_sides_types_or_inexact_amounts_are_malformed(string json) =>
        Assert.Throws<MalformedMessage>(() => _commands.Decode(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void an_event_with_escaped_strings_and_large_amounts_decodes_to_what_was_encoded()
    {
        var request = new Request(Guid.NewGuid(), "al\"ice\u00e9\u2028", "key with \\ and \n", "fp");
        var @event = new OrderFilled(request, At, "o-\"1", "f-\u00e9", BtcUsd, Side.Sell, 999_999_999_999_999, 1, 9_999_999, 0, 0, true);
        var balances = new[] { new AssetBalance("BTC", new Balance(1_000_000_000_000_000, 0)) };
        var decoded = _events.Decode(_events.Encode(new EventMessage(@event, balances)));
        Assert.Equal(@event, decoded.Event);
        Assert.Equal(balances, decoded.BalancesAfter);
        Assert.Equal(@event, _events.DecodeEvent(_events.Encode(new EventMessage(@event, balances))));
    }

    [Fact]
    public void a_balance_larger_than_any_one_command_still_decodes()
    {
        // Many deposits of the largest amount add up past Amount.MinorUnitsMax; the event saying so must decode.
        var @event = new Deposited(new Request(Guid.NewGuid(), "whale", "k", "fp"), At, "USD", Amount.MinorUnitsMax);
        var balances = new[] { new AssetBalance("USD", new Balance(Balance.MinorUnitsMax, Amount.MinorUnitsMax + 1)) };
        var decoded = _events.Decode(_events.Encode(new EventMessage(@event, balances)));
        Assert.Equal(balances, decoded.BalancesAfter);
    }

    private const string DepositedFields =
        "\"type\":\"Deposited\",\"commandId\":\"9b2f4a4e-8c1d-4e7a-9f00-0123456789ab\",\"userId\":\"alice\",\"idempotencyKey\":\"key-1\",\"fingerprint\":\"fp\"";

    [Theory]
    [InlineData("2026-01-02T03:04:05.678000Z", "2026-01-02T03:04:05.678+00:00")]
    [InlineData("2026-01-02T04:04:05.678+01:00", "2026-01-02T03:04:05.678+00:00")]
    [InlineData("2026-01-02T03:04:05Z", "2026-01-02T03:04:05+00:00")]
    public void event_times_in_any_iso_8601_form_decode_to_the_same_instant(string written, string expected)
    {
        var json = "{" + DepositedFields + ",\"at\":\"" + written + "\",\"asset\":\"USD\",\"amount\":\"1.00\",\"futureField\":{\"x\":[1]},\"balancesAfter\":[]}";
        var decoded = _events.Decode(Encoding.UTF8.GetBytes(json));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), decoded.Event.At);
        Assert.Equal(100, ((Deposited)decoded.Event).Amount);
    }

    [Theory]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":\"1.001\",\"balancesAfter\":[]")]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":\"1e2\",\"balancesAfter\":[]")]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":\"99999999999999999999\",\"balancesAfter\":[]")]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"DOGE\",\"amount\":\"1\",\"balancesAfter\":[]")]
    [InlineData("\"at\":\"2026-02-30T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":\"1\",\"balancesAfter\":[]")]
    [InlineData("\"asset\":\"USD\",\"amount\":\"1\",\"balancesAfter\":[]")]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":\"1\"")]
    [InlineData("\"at\":\"2026-01-02T03:04:05.678000Z\",\"asset\":\"USD\",\"amount\":1,\"balancesAfter\":[]")]
    public void events_with_missing_fields_unknown_assets_or_inexact_amounts_are_malformed(string rest) =>
        Assert.Throws<MalformedMessage>(() => _events.Decode(Encoding.UTF8.GetBytes("{" + DepositedFields + "," + rest + "}")));

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":")]
    public void records_that_are_not_a_json_object_are_malformed(string json) =>
        Assert.Throws<MalformedMessage>(() => _events.DecodeEvent(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void a_reply_carries_the_first_outcome_of_an_order()
    {
        var replies = new ReplyCodec(_events);
        var reply = new Reply(Guid.NewGuid(), new EventMessage(new OrderCancelled(Request, At, "o-1", "USD", 5), []));
        var decoded = replies.Decode(replies.Encode(reply));
        Assert.Equal(reply.FirstOutcome.Event, decoded.FirstOutcome.Event);
    }
}
