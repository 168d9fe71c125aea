using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Contracts;

/// <summary>Events on ledger.events: the public contract (docs/events.md). JSON, camelCase, amounts
/// as decimal strings in the asset's scale, postings spelled out for auditors. Order events carry
/// their market's assets, so they read the same after the market configuration changes.</summary>
public sealed class EventCodec(AssetCatalog assets, MarketCatalog? markets = null)
{
    private readonly (byte[] Utf8Code, Asset Asset)[] _assetsByUtf8Code =
        assets.All.Select(asset => (Encoding.UTF8.GetBytes(asset.Code), asset)).ToArray();

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

    public EventMessage Decode(ReadOnlyMemory<byte> json) => Decode(json.Span, withBalances: true);

    /// <summary>The event alone, without the balances after it: what a writer rebuilding its state needs.</summary>
    public LedgerEvent DecodeEvent(ReadOnlySpan<byte> json) => Decode(json, withBalances: false).Event;

    /// <summary>An event nested in another message (a reply), read like a record of its own.</summary>
    public EventMessage Read(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
            ? Decode(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element), withBalances: true)
            : throw new MalformedMessage("event is not a JSON object");

    private EventMessage Decode(ReadOnlySpan<byte> json, bool withBalances)
    {
        try
        {
            var fields = EventFields.Read(json);
            var @event = Build(ref fields);
            return new EventMessage(@event, withBalances ? ReadBalances(fields.BalancesAfter) : []);
        }
        catch (JsonException error)
        {
            throw new MalformedMessage("event is not valid JSON", error);
        }
    }

    private LedgerEvent Build(ref EventFields f)
    {
        var request = new Request(EventFields.GuidOf(f.CommandId, "commandId"), EventFields.Required(f.UserId, "userId"),
            EventFields.Required(f.IdempotencyKey, "idempotencyKey"), EventFields.Required(f.Fingerprint, "fingerprint"));
        var at = EventFields.TimeOf(f.At, "at");
        var type = EventFields.Required(f.Type, "type");
        switch (type)
        {
            case nameof(Deposited): { var (asset, amount) = Money(ref f); return new Deposited(request, at, asset, amount); }
            case nameof(DepositRejected): { var (asset, amount) = Money(ref f); return new DepositRejected(request, at, asset, amount, Code(ref f)); }
            case nameof(Withdrawn): { var (asset, amount) = Money(ref f); return new Withdrawn(request, at, asset, amount); }
            case nameof(WithdrawalRejected):
                { var (asset, amount) = Money(ref f); return new WithdrawalRejected(request, at, asset, amount, Code(ref f)); }
            case nameof(OrderPlaced): return ReadOrderPlaced(ref f, request, at);
            case nameof(OrderRejected):
                return new OrderRejected(request, at, OrderId(ref f), EventFields.Required(f.Market, "market"),
                    EventFields.SideOf(f.Side, "side"), AssetCodeOrEmpty(ref f), Code(ref f));
            case nameof(OrderCancelled):
            {
                var asset = AssetOf(f.Asset, "asset");
                return new OrderCancelled(request, at, OrderId(ref f), asset.Code, EventFields.AmountOf(f.Released, "released", asset));
            }
            case nameof(CancelRejected): return new CancelRejected(request, at, OrderId(ref f), Code(ref f));
            case nameof(OrderFilled): return ReadOrderFilled(ref f, request, at);
            case nameof(FillRejected): return new FillRejected(request, at, OrderId(ref f), FillId(ref f), Code(ref f));
            case nameof(TransferDebited):
                { var t = Transfer(ref f); return new TransferDebited(request, at, t.Id, t.From, t.To, t.Asset, t.Amount); }
            case nameof(TransferRejected):
                { var t = Transfer(ref f); return new TransferRejected(request, at, t.Id, t.From, t.To, t.Asset, t.Amount, Code(ref f)); }
            case nameof(TransferCredited):
                { var t = Transfer(ref f); return new TransferCredited(request, at, t.Id, t.From, t.To, t.Asset, t.Amount); }
            case nameof(TransferCreditRejected):
            {
                var t = Transfer(ref f);
                return new TransferCreditRejected(request, at, t.Id, t.From, t.To, t.Asset, t.Amount, Code(ref f));
            }
            case nameof(TransferRefunded):
                { var t = Transfer(ref f); return new TransferRefunded(request, at, t.Id, t.From, t.To, t.Asset, t.Amount); }
            default: throw new MalformedMessage($"unknown event type '{type}'");
        }
    }

    private static string Code(ref EventFields f) => EventFields.Required(f.Code, "code");
    private static string OrderId(ref EventFields f) => EventFields.Required(f.OrderId, "orderId");
    private static string FillId(ref EventFields f) => EventFields.Required(f.FillId, "fillId");

    private (string Asset, long Amount) Money(ref EventFields f)
    {
        var asset = AssetOf(f.Asset, "asset");
        return (asset.Code, EventFields.AmountOf(f.Amount, "amount", asset));
    }

    private (string Id, string From, string To, string Asset, long Amount) Transfer(ref EventFields f)
    {
        var (asset, amount) = Money(ref f);
        return (EventFields.Required(f.TransferId, "transferId"), EventFields.Required(f.FromUserId, "fromUserId"),
            EventFields.Required(f.ToUserId, "toUserId"), asset, amount);
    }

    /// <summary>A refused order's asset: empty when its market was unknown, else any string as written.</summary>
    private string AssetCodeOrEmpty(ref EventFields f)
    {
        if (f.Asset.IsEmpty) return "";
        foreach (var (code, asset) in _assetsByUtf8Code)
        {
            if (f.Asset.SequenceEqual(code)) return asset.Code;
        }
        return Encoding.UTF8.GetString(f.Asset);
    }

    /// <summary>A configured asset named by its UTF-8 code, without making a string of it: the
    /// catalog's own code string is shared by every event that names it.</summary>
    private Asset AssetOf(ReadOnlySpan<byte> code, string name)
    {
        foreach (var (utf8, asset) in _assetsByUtf8Code)
        {
            if (code.SequenceEqual(utf8)) return asset;
        }
        throw new MalformedMessage($"field '{name}' names an unknown asset");
    }

    private void WriteMarket(Utf8JsonWriter writer, Market market, Side side)
    {
        writer.WriteString("market", market.Symbol);
        writer.WriteString("baseAsset", market.BaseAsset);
        writer.WriteString("quoteAsset", market.QuoteAsset);
        writer.WriteString("side", JsonFields.SideName(side));
    }

    /// <summary>The market as the event recorded it; its assets must still be known for their scales.
    /// The configured market is shared when the event names it as configured.</summary>
    private Market ReadMarket(ref EventFields f)
    {
        var symbol = EventFields.Required(f.Market, "market");
        var (baseAsset, quoteAsset) = (AssetOf(f.BaseAsset, "baseAsset").Code, AssetOf(f.QuoteAsset, "quoteAsset").Code);
        return Markets.TryGet(symbol, out var configured) && configured.BaseAsset == baseAsset && configured.QuoteAsset == quoteAsset
            ? configured
            : new Market(symbol, baseAsset, quoteAsset);
    }

    private void WriteOrderPlaced(Utf8JsonWriter writer, OrderPlaced e)
    {
        writer.WriteString("orderId", e.OrderId);
        WriteMarket(writer, e.Market, e.Side);
        writer.WriteString("price", Amount.Format(e.Price, assets.Get(e.Market.QuoteAsset)));
        writer.WriteString("quantity", Amount.Format(e.Quantity, assets.Get(e.Market.BaseAsset)));
        writer.WriteString("asset", e.Asset);
        writer.WriteString("held", Amount.Format(e.Held, assets.Get(e.Asset)));
    }

    private OrderPlaced ReadOrderPlaced(ref EventFields f, Request request, DateTimeOffset at)
    {
        var market = ReadMarket(ref f);
        var side = EventFields.SideOf(f.Side, "side");
        var (baseAsset, quoteAsset) = (assets.Get(market.BaseAsset), assets.Get(market.QuoteAsset));
        return new OrderPlaced(request, at, OrderId(ref f), market, side,
            EventFields.AmountOf(f.Price, "price", quoteAsset),
            EventFields.AmountOf(f.Quantity, "quantity", baseAsset),
            EventFields.AmountOf(f.Held, "held", side == Side.Buy ? quoteAsset : baseAsset));
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

    private void WriteOrderCancelled(Utf8JsonWriter writer, OrderCancelled e)
    {
        writer.WriteString("orderId", e.OrderId);
        writer.WriteString("asset", e.Asset);
        writer.WriteString("released", Amount.Format(e.Released, assets.Get(e.Asset)));
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

    private OrderFilled ReadOrderFilled(ref EventFields f, Request request, DateTimeOffset at)
    {
        var market = ReadMarket(ref f);
        var side = EventFields.SideOf(f.Side, "side");
        var (baseAsset, quoteAsset) = (assets.Get(market.BaseAsset), assets.Get(market.QuoteAsset));
        return new OrderFilled(request, at, OrderId(ref f), FillId(ref f), market, side,
            EventFields.AmountOf(f.Quantity, "quantity", baseAsset),
            EventFields.AmountOf(f.Price, "price", quoteAsset),
            EventFields.AmountOf(f.QuoteAmount, "quoteAmount", quoteAsset),
            EventFields.AmountOf(f.Fee, "fee", assets.Get(CommandCodec.ReceivedAsset(market, side))),
            EventFields.AmountOf(f.Released, "released", side == Side.Buy ? quoteAsset : baseAsset),
            f.Completed ?? throw new MalformedMessage("field 'completed' is missing or not true/false"));
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

    private AssetBalance[] ReadBalances(ReadOnlySpan<byte> array)
    {
        if (array.IsEmpty || array[0] != '[') throw new MalformedMessage("field 'balancesAfter' is missing or not an array");
        using var document = JsonDocument.Parse(array.ToArray());
        return document.RootElement.EnumerateArray().Select(item =>
        {
            var asset = JsonFields.Asset(item, "asset", assets);
            // A balance may hold far more than one command moves (Balance.MinorUnitsMax, not Amount's).
            var balance = new Balance(JsonFields.Amount(item, "available", asset, Balance.MinorUnitsMax),
                JsonFields.Amount(item, "held", asset, Balance.MinorUnitsMax));
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
