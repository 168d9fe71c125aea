using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Kafka.Contracts;

/// <summary>Events on ledger.events: the public contract (docs/events.md). JSON, camelCase, amounts
/// as decimal strings in the asset's scale, postings spelled out for auditors. Order events carry
/// their market's assets, so they read the same after the market configuration changes.</summary>
public sealed class EventCodec(AssetCatalog assets, MarketCatalog? markets = null)
{
    /// <summary>The markets commands are read against. Events do not need it: they name their assets.</summary>
    public MarketCatalog Markets { get; } = markets ?? MarketCatalog.Default;

    public byte[] Encode(EventMessage message)
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, message);
        }
        return buffer.ToArray();
    }

    public void Write(Utf8JsonWriter writer, EventMessage message)
    {
        var @event = message.Event;
        writer.WriteStartObject();
        writer.WriteString("type", @event.GetType().Name);
        writer.WriteNumber("schemaVersion", EventMessage.SchemaVersion);
        CommandCodec.WriteRequest(writer, @event.Request);
        JsonFields.WriteTime(writer, "at", @event.At);
        WriteBody(writer, @event);
        WritePostings(writer, @event.Postings);
        WriteBalances(writer, message.BalancesAfter);
        writer.WriteEndObject();
    }

    private void WriteBody(Utf8JsonWriter writer, LedgerEvent @event)
    {
        switch (@event)
        {
            case Deposited e: WriteMoney(writer, e.Asset, e.Amount); break;
            case DepositRejected e: WriteMoney(writer, e.Asset, e.Amount); writer.WriteString("code", e.Code); break;
            case Withdrawn e: WriteMoney(writer, e.Asset, e.Amount); break;
            case WithdrawalRejected e: WriteMoney(writer, e.Asset, e.Amount); writer.WriteString("code", e.Code); break;
            case OrderPlaced e: WriteOrderPlaced(writer, e); break;
            case OrderRejected e: WriteOrderRejected(writer, e); break;
            case OrderCancelled e: WriteOrderCancelled(writer, e); break;
            case CancelRejected e: writer.WriteString("orderId", e.OrderId); writer.WriteString("code", e.Code); break;
            case OrderFilled e: WriteOrderFilled(writer, e); break;
            case FillRejected e: WriteFillRejected(writer, e); break;
            case TransferDebited e: WriteTransfer(writer, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            case TransferRejected e: WriteTransfer(writer, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount, e.Code); break;
            case TransferCredited e: WriteTransfer(writer, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            case TransferCreditRejected e:
                WriteTransfer(writer, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount, e.Code);
                break;
            case TransferRefunded e: WriteTransfer(writer, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            default: throw new ArgumentOutOfRangeException(nameof(@event), $"no encoding for {@event.GetType().Name}");
        }
    }

    public EventMessage Decode(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement);
        }
        catch (JsonException error)
        {
            throw new MalformedMessage("event is not valid JSON", error);
        }
    }

    public EventMessage Read(JsonElement root)
    {
        var request = CommandCodec.ReadRequest(root);
        var at = JsonFields.Time(root, "at");
        var type = JsonFields.String(root, "type");
        LedgerEvent @event = type switch
        {
            nameof(Deposited) => ReadMoney(root, (asset, amount) => new Deposited(request, at, asset, amount)),
            nameof(DepositRejected) =>
                ReadMoney(root, (asset, amount) => new DepositRejected(request, at, asset, amount, Code(root))),
            nameof(Withdrawn) => ReadMoney(root, (asset, amount) => new Withdrawn(request, at, asset, amount)),
            nameof(WithdrawalRejected) =>
                ReadMoney(root, (asset, amount) => new WithdrawalRejected(request, at, asset, amount, Code(root))),
            nameof(OrderPlaced) => ReadOrderPlaced(root, request, at),
            nameof(OrderRejected) => ReadOrderRejected(root, request, at),
            nameof(OrderCancelled) => ReadOrderCancelled(root, request, at),
            nameof(CancelRejected) => new CancelRejected(request, at, JsonFields.String(root, "orderId"), Code(root)),
            nameof(OrderFilled) => ReadOrderFilled(root, request, at),
            nameof(FillRejected) =>
                new FillRejected(request, at, JsonFields.String(root, "orderId"), JsonFields.String(root, "fillId"), Code(root)),
            nameof(TransferDebited) => ReadTransfer(root, (id, from, to, asset, amount) =>
                new TransferDebited(request, at, id, from, to, asset, amount)),
            nameof(TransferRejected) => ReadTransfer(root, (id, from, to, asset, amount) =>
                new TransferRejected(request, at, id, from, to, asset, amount, Code(root))),
            nameof(TransferCredited) => ReadTransfer(root, (id, from, to, asset, amount) =>
                new TransferCredited(request, at, id, from, to, asset, amount)),
            nameof(TransferCreditRejected) => ReadTransfer(root, (id, from, to, asset, amount) =>
                new TransferCreditRejected(request, at, id, from, to, asset, amount, Code(root))),
            nameof(TransferRefunded) => ReadTransfer(root, (id, from, to, asset, amount) =>
                new TransferRefunded(request, at, id, from, to, asset, amount)),
            _ => throw new MalformedMessage($"unknown event type '{type}'"),
        };
        return new EventMessage(@event, ReadBalances(root));
    }

    private static string Code(JsonElement root) => JsonFields.String(root, "code");

    private LedgerEvent ReadMoney(JsonElement root, Func<string, long, LedgerEvent> create)
    {
        var asset = JsonFields.Asset(root, "asset", assets);
        return create(asset.Code, JsonFields.Amount(root, "amount", asset));
    }

    private void WriteMarket(Utf8JsonWriter writer, Market market, Side side)
    {
        writer.WriteString("market", market.Symbol);
        writer.WriteString("baseAsset", market.BaseAsset);
        writer.WriteString("quoteAsset", market.QuoteAsset);
        writer.WriteString("side", JsonFields.SideName(side));
    }

    /// <summary>The market as the event recorded it; its assets must still be known for their scales.</summary>
    private Market ReadMarket(JsonElement root) => new(
        JsonFields.String(root, "market"),
        JsonFields.Asset(root, "baseAsset", assets).Code,
        JsonFields.Asset(root, "quoteAsset", assets).Code);

    private void WriteOrderPlaced(Utf8JsonWriter writer, OrderPlaced e)
    {
        writer.WriteString("orderId", e.OrderId);
        WriteMarket(writer, e.Market, e.Side);
        writer.WriteString("price", Amount.Format(e.Price, assets.Get(e.Market.QuoteAsset)));
        writer.WriteString("quantity", Amount.Format(e.Quantity, assets.Get(e.Market.BaseAsset)));
        writer.WriteString("asset", e.Asset);
        writer.WriteString("held", Amount.Format(e.Held, assets.Get(e.Asset)));
    }

    private OrderPlaced ReadOrderPlaced(JsonElement root, Request request, DateTimeOffset at)
    {
        var market = ReadMarket(root);
        var side = JsonFields.Side(root, "side");
        var heldAsset = assets.Get(side == Side.Buy ? market.QuoteAsset : market.BaseAsset);
        return new OrderPlaced(request, at, JsonFields.String(root, "orderId"), market, side,
            JsonFields.Amount(root, "price", assets.Get(market.QuoteAsset)),
            JsonFields.Amount(root, "quantity", assets.Get(market.BaseAsset)),
            JsonFields.Amount(root, "held", heldAsset));
    }

    /// <summary>A refused order names no amounts: its market may be unknown, and so their scales.</summary>
    private static void WriteOrderRejected(Utf8JsonWriter writer, OrderRejected e)
    {
        writer.WriteString("orderId", e.OrderId);
        writer.WriteString("market", e.Market);
        writer.WriteString("side", JsonFields.SideName(e.Side));
        writer.WriteString("asset", e.Asset);
        writer.WriteString("code", e.Code);
    }

    private static OrderRejected ReadOrderRejected(JsonElement root, Request request, DateTimeOffset at) => new(
        request, at, JsonFields.String(root, "orderId"), JsonFields.String(root, "market"), JsonFields.Side(root, "side"),
        JsonFields.String(root, "asset"), Code(root));

    private void WriteOrderCancelled(Utf8JsonWriter writer, OrderCancelled e)
    {
        writer.WriteString("orderId", e.OrderId);
        writer.WriteString("asset", e.Asset);
        writer.WriteString("released", Amount.Format(e.Released, assets.Get(e.Asset)));
    }

    private OrderCancelled ReadOrderCancelled(JsonElement root, Request request, DateTimeOffset at)
    {
        var asset = JsonFields.Asset(root, "asset", assets);
        return new OrderCancelled(request, at, JsonFields.String(root, "orderId"), asset.Code,
            JsonFields.Amount(root, "released", asset));
    }

    private void WriteOrderFilled(Utf8JsonWriter writer, OrderFilled e)
    {
        var (baseAsset, quoteAsset) = (assets.Get(e.Market.BaseAsset), assets.Get(e.Market.QuoteAsset));
        writer.WriteString("orderId", e.OrderId);
        writer.WriteString("fillId", e.FillId);
        WriteMarket(writer, e.Market, e.Side);
        writer.WriteString("quantity", Amount.Format(e.Quantity, baseAsset));
        writer.WriteString("price", Amount.Format(e.Price, quoteAsset));
        writer.WriteString("quoteAmount", Amount.Format(e.QuoteAmount, quoteAsset));
        writer.WriteString("fee", Amount.Format(e.Fee, assets.Get(CommandCodec.ReceivedAsset(e.Market, e.Side))));
        writer.WriteString("asset", e.Asset);
        writer.WriteString("released", Amount.Format(e.Released, assets.Get(e.Asset)));
        writer.WriteBoolean("completed", e.Completed);
    }

    private OrderFilled ReadOrderFilled(JsonElement root, Request request, DateTimeOffset at)
    {
        var market = ReadMarket(root);
        var side = JsonFields.Side(root, "side");
        var (baseAsset, quoteAsset) = (assets.Get(market.BaseAsset), assets.Get(market.QuoteAsset));
        return new OrderFilled(request, at, JsonFields.String(root, "orderId"), JsonFields.String(root, "fillId"), market, side,
            JsonFields.Amount(root, "quantity", baseAsset),
            JsonFields.Amount(root, "price", quoteAsset),
            JsonFields.Amount(root, "quoteAmount", quoteAsset),
            JsonFields.Amount(root, "fee", assets.Get(CommandCodec.ReceivedAsset(market, side))),
            JsonFields.Amount(root, "released", side == Side.Buy ? quoteAsset : baseAsset),
            JsonFields.Boolean(root, "completed"));
    }

    private static void WriteFillRejected(Utf8JsonWriter writer, FillRejected e)
    {
        writer.WriteString("orderId", e.OrderId);
        writer.WriteString("fillId", e.FillId);
        writer.WriteString("code", e.Code);
    }

    private void WriteTransfer(
        Utf8JsonWriter writer, string transferId, string from, string to, string asset, long amount, string? code = null)
    {
        writer.WriteString("transferId", transferId);
        writer.WriteString("fromUserId", from);
        writer.WriteString("toUserId", to);
        WriteMoney(writer, asset, amount);
        if (code is not null) writer.WriteString("code", code);
    }

    private LedgerEvent ReadTransfer(JsonElement root, Func<string, string, string, string, long, LedgerEvent> create)
    {
        var asset = JsonFields.Asset(root, "asset", assets);
        return create(JsonFields.String(root, "transferId"), JsonFields.String(root, "fromUserId"),
            JsonFields.String(root, "toUserId"), asset.Code, JsonFields.Amount(root, "amount", asset));
    }

    private void WriteMoney(Utf8JsonWriter writer, string assetCode, long amount)
    {
        writer.WriteString("asset", assetCode);
        writer.WriteString("amount", Amount.Format(amount, assets.Get(assetCode)));
    }

    private void WritePostings(Utf8JsonWriter writer, IReadOnlyList<Posting> postings)
    {
        writer.WriteStartArray("postings");
        foreach (var posting in postings)
        {
            writer.WriteStartObject();
            writer.WriteString("owner", posting.Owner);
            writer.WriteString("book", BookName(posting.Book));
            writer.WriteString("asset", posting.Asset);
            writer.WriteString("amount", Amount.Format(posting.Amount, assets.Get(posting.Asset)));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private void WriteBalances(Utf8JsonWriter writer, IReadOnlyList<AssetBalance> balances)
    {
        writer.WriteStartArray("balancesAfter");
        foreach (var (assetCode, balance) in balances)
        {
            var asset = assets.Get(assetCode);
            writer.WriteStartObject();
            writer.WriteString("asset", assetCode);
            writer.WriteString("available", Amount.Format(balance.Available, asset));
            writer.WriteString("held", Amount.Format(balance.Held, asset));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private AssetBalance[] ReadBalances(JsonElement root)
    {
        if (!root.TryGetProperty("balancesAfter", out var array) || array.ValueKind != JsonValueKind.Array)
            throw new MalformedMessage("field 'balancesAfter' is missing or not an array");
        return array.EnumerateArray().Select(item =>
        {
            var asset = JsonFields.Asset(item, "asset", assets);
            var balance = new Balance(JsonFields.Amount(item, "available", asset), JsonFields.Amount(item, "held", asset));
            return new AssetBalance(asset.Code, balance);
        }).ToArray();
    }

    /// <summary>Book names on the wire: snake_case, stable.</summary>
    public static string BookName(Book book) => book switch
    {
        Book.Available => "available",
        Book.Held => "held",
        Book.ExternalDeposits => "external_deposits",
        Book.ExternalWithdrawals => "external_withdrawals",
        Book.Fees => "fees",
        Book.TransfersInFlight => "transfers_in_flight",
        Book.TradeSettlement => "trade_settlement",
        _ => throw new ArgumentOutOfRangeException(nameof(book)),
    };
}
