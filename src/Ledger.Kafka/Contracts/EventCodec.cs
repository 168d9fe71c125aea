using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;

namespace Ledger.Kafka.Contracts;

/// <summary>Events on ledger.events: the public contract (docs/events.md). JSON, camelCase, amounts
/// as decimal strings in the asset's scale, postings spelled out for auditors.</summary>
public sealed class EventCodec(AssetCatalog assets)
{
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
            default: throw new ArgumentOutOfRangeException(nameof(@event), $"no encoding for {@event.GetType().Name}");
        }
    }

    public EventMessage Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
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
        var asset = JsonFields.Asset(root, "asset", assets);
        var amount = JsonFields.Amount(root, "amount", asset);
        LedgerEvent @event = type switch
        {
            nameof(Deposited) => new Deposited(request, at, asset.Code, amount),
            nameof(DepositRejected) => new DepositRejected(request, at, asset.Code, amount, JsonFields.String(root, "code")),
            nameof(Withdrawn) => new Withdrawn(request, at, asset.Code, amount),
            nameof(WithdrawalRejected) => new WithdrawalRejected(request, at, asset.Code, amount, JsonFields.String(root, "code")),
            _ => throw new MalformedMessage($"unknown event type '{type}'"),
        };
        return new EventMessage(@event, ReadBalances(root));
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
        _ => throw new ArgumentOutOfRangeException(nameof(book)),
    };
}
