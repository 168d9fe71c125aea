using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Contracts;

/// <summary>Commands on ledger.commands: JSON, camelCase, amounts as decimal strings in their asset's
/// scale (a price in the quote asset's, a quantity in the base asset's), sides as "buy"/"sell".</summary>
public sealed class CommandCodec(AssetCatalog assets, MarketCatalog? markets = null)
{
    private readonly MarketCatalog _markets = markets ?? MarketCatalog.Default;

    public byte[] Encode(Command command)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", command.GetType().Name);
            WriteRequest(writer, command.Request);
            WriteBody(writer, command);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void WriteBody(Utf8JsonWriter writer, Command command)
    {
        switch (command)
        {
            case Deposit deposit: WriteMoney(writer, deposit.Asset, deposit.Amount); break;
            case Withdraw withdraw: WriteMoney(writer, withdraw.Asset, withdraw.Amount); break;
            case PlaceOrder place: WritePlaceOrder(writer, place); break;
            case CancelOrder cancel: writer.WriteString("orderId", cancel.OrderId); break;
            case Fill fill: WriteFill(writer, fill); break;
            case Transfer t: WriteTransfer(writer, t.TransferId, t.FromUserId, t.ToUserId, t.Asset, t.Amount); break;
            case CreditTransfer t: WriteTransfer(writer, t.TransferId, t.FromUserId, t.ToUserId, t.Asset, t.Amount); break;
            case RefundTransfer t: WriteTransfer(writer, t.TransferId, t.FromUserId, t.ToUserId, t.Asset, t.Amount); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), $"no encoding for {command.GetType().Name}");
        }
    }

    public Command Decode(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var request = ReadRequest(root);
            var type = JsonFields.String(root, "type");
            return type switch
            {
                nameof(Deposit) => ReadMoney(root, (asset, amount) => new Deposit(request, asset, amount)),
                nameof(Withdraw) => ReadMoney(root, (asset, amount) => new Withdraw(request, asset, amount)),
                nameof(PlaceOrder) => ReadPlaceOrder(root, request),
                nameof(CancelOrder) => new CancelOrder(request, JsonFields.String(root, "orderId")),
                nameof(Fill) => ReadFill(root, request),
                nameof(Transfer) => ReadTransfer(root, (id, from, to, asset, amount) => new Transfer(request, id, from, to, asset, amount)),
                nameof(CreditTransfer) =>
                    ReadTransfer(root, (id, from, to, asset, amount) => new CreditTransfer(request, id, from, to, asset, amount)),
                nameof(RefundTransfer) =>
                    ReadTransfer(root, (id, from, to, asset, amount) => new RefundTransfer(request, id, from, to, asset, amount)),
                _ => throw new MalformedMessage($"unknown command type '{type}'"),
            };
        }
        catch (JsonException error)
        {
            throw new MalformedMessage("command is not valid JSON", error);
        }
    }

    internal static void WriteRequest(Utf8JsonWriter writer, Request request)
    {
        writer.WriteString("commandId", request.CommandId);
        writer.WriteString("userId", request.UserId);
        writer.WriteString("idempotencyKey", request.IdempotencyKey);
        writer.WriteString("fingerprint", request.Fingerprint);
    }

    internal static Request ReadRequest(JsonElement root) => new(
        JsonFields.Guid(root, "commandId"),
        JsonFields.String(root, "userId"),
        JsonFields.String(root, "idempotencyKey"),
        JsonFields.String(root, "fingerprint"));

    private void WriteMoney(Utf8JsonWriter writer, string assetCode, long amount)
    {
        writer.WriteString("asset", assetCode);
        writer.WriteString("amount", Amount.Format(amount, assets.Get(assetCode)));
    }

    private Command ReadMoney(JsonElement root, Func<string, long, Command> create)
    {
        var asset = JsonFields.Asset(root, "asset", assets);
        return create(asset.Code, JsonFields.Amount(root, "amount", asset));
    }

    private void WritePlaceOrder(Utf8JsonWriter writer, PlaceOrder place)
    {
        var market = _markets.Get(place.Market);
        writer.WriteString("orderId", place.OrderId);
        writer.WriteString("market", market.Symbol);
        writer.WriteString("side", JsonFields.SideName(place.Side));
        writer.WriteString("price", Amount.Format(place.Price, assets.Get(market.QuoteAsset)));
        writer.WriteString("quantity", Amount.Format(place.Quantity, assets.Get(market.BaseAsset)));
    }

    private PlaceOrder ReadPlaceOrder(JsonElement root, Request request)
    {
        var market = JsonFields.Market(root, "market", _markets);
        return new PlaceOrder(request, JsonFields.String(root, "orderId"), market.Symbol, JsonFields.Side(root, "side"),
            JsonFields.Amount(root, "price", assets.Get(market.QuoteAsset)),
            JsonFields.Amount(root, "quantity", assets.Get(market.BaseAsset)));
    }

    /// <summary>The fee is in the asset the order's owner receives: base for a buy, quote for a sell.</summary>
    private void WriteFill(Utf8JsonWriter writer, Fill fill)
    {
        var market = _markets.Get(fill.Market);
        writer.WriteString("orderId", fill.OrderId);
        writer.WriteString("fillId", fill.FillId);
        writer.WriteString("market", market.Symbol);
        writer.WriteString("side", JsonFields.SideName(fill.Side));
        writer.WriteString("quantity", Amount.Format(fill.Quantity, assets.Get(market.BaseAsset)));
        writer.WriteString("price", Amount.Format(fill.Price, assets.Get(market.QuoteAsset)));
        writer.WriteString("fee", Amount.Format(fill.Fee, assets.Get(ReceivedAsset(market, fill.Side))));
    }

    private Fill ReadFill(JsonElement root, Request request)
    {
        var market = JsonFields.Market(root, "market", _markets);
        var side = JsonFields.Side(root, "side");
        return new Fill(request, JsonFields.String(root, "orderId"), JsonFields.String(root, "fillId"), market.Symbol, side,
            JsonFields.Amount(root, "quantity", assets.Get(market.BaseAsset)),
            JsonFields.Amount(root, "price", assets.Get(market.QuoteAsset)),
            JsonFields.Amount(root, "fee", assets.Get(ReceivedAsset(market, side))));
    }

    internal static string ReceivedAsset(Market market, Side side) => side == Side.Buy ? market.BaseAsset : market.QuoteAsset;

    private void WriteTransfer(Utf8JsonWriter writer, string transferId, string from, string to, string asset, long amount)
    {
        writer.WriteString("transferId", transferId);
        writer.WriteString("fromUserId", from);
        writer.WriteString("toUserId", to);
        WriteMoney(writer, asset, amount);
    }

    private Command ReadTransfer(JsonElement root, Func<string, string, string, string, long, Command> create)
    {
        var asset = JsonFields.Asset(root, "asset", assets);
        return create(JsonFields.String(root, "transferId"), JsonFields.String(root, "fromUserId"),
            JsonFields.String(root, "toUserId"), asset.Code, JsonFields.Amount(root, "amount", asset));
    }
}
