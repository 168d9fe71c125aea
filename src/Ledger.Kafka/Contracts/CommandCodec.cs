using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Assets;

namespace Ledger.Kafka.Contracts;

/// <summary>Commands on ledger.commands: JSON, amounts as decimal strings.</summary>
public sealed class CommandCodec(AssetCatalog assets)
{
    public byte[] Encode(Command command)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", command.GetType().Name);
            WriteRequest(writer, command.Request);
            switch (command)
            {
                case Deposit deposit: WriteMoney(writer, deposit.Asset, deposit.Amount); break;
                case Withdraw withdraw: WriteMoney(writer, withdraw.Asset, withdraw.Amount); break;
                default: throw new ArgumentOutOfRangeException(nameof(command), $"no encoding for {command.GetType().Name}");
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public Command Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var request = ReadRequest(root);
            var type = JsonFields.String(root, "type");
            return type switch
            {
                nameof(Deposit) => ReadMoney(root, (asset, amount) => new Deposit(request, asset, amount)),
                nameof(Withdraw) => ReadMoney(root, (asset, amount) => new Withdraw(request, asset, amount)),
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
}
