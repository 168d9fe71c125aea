using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Domain.Assets;
using Ledger.Domain.Orders;

namespace Ledger.Contracts;

/// <summary>
/// The fields of one event record, read in one pass over its bytes with <see cref="Utf8JsonReader"/>:
/// no document is built, and a field becomes a string only if the event keeps it as one. Amounts,
/// times and ids stay bytes until <see cref="EventCodec"/> parses them, because an amount's scale
/// comes from an asset that may be written after it. A writer rebuilding its partition decodes every
/// event of the log this way, so this is most of what recovery costs. Postings are skipped: they
/// follow from the event, and the codec writes them for readers other than the ledger.
/// </summary>
internal ref struct EventFields
{
    /// <summary>More top-level fields than any event has; a record with more is refused.</summary>
    private const int FieldCountMax = 64;

    public string? Type;
    public ReadOnlySpan<byte> CommandId;
    public string? UserId;
    public string? IdempotencyKey;
    public string? Fingerprint;
    public ReadOnlySpan<byte> At;
    public ReadOnlySpan<byte> Asset;
    public ReadOnlySpan<byte> Amount;
    public string? Code;
    public string? OrderId;
    public string? FillId;
    public string? Market;
    public ReadOnlySpan<byte> BaseAsset;
    public ReadOnlySpan<byte> QuoteAsset;
    public ReadOnlySpan<byte> Side;
    public ReadOnlySpan<byte> Price;
    public ReadOnlySpan<byte> Quantity;
    public ReadOnlySpan<byte> Held;
    public ReadOnlySpan<byte> Released;
    public ReadOnlySpan<byte> QuoteAmount;
    public ReadOnlySpan<byte> Fee;
    public bool? Completed;
    public string? TransferId;
    public string? FromUserId;
    public string? ToUserId;
    /// <summary>The balancesAfter array's bytes (read only when asked for).</summary>
    public ReadOnlySpan<byte> BalancesAfter;

    /// <summary>Reads the record's top-level object. Throws <see cref="JsonException"/> on invalid
    /// JSON and <see cref="MalformedMessage"/> on a record that is not an object.</summary>
    public static EventFields Read(ReadOnlySpan<byte> json)
    {
        var fields = new EventFields();
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new MalformedMessage("event is not a JSON object");
        for (var count = 0; reader.Read() && reader.TokenType == JsonTokenType.PropertyName; count++)
        {
            if (count == FieldCountMax) throw new MalformedMessage($"event has more than {FieldCountMax} fields");
            fields.ReadField(ref reader, json);
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new MalformedMessage("event is not a JSON object");
        return fields;
    }

    /// <summary>One property: the reader is on its name. Most frequent names first.</summary>
    private void ReadField(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        if (reader.ValueTextEquals("postings"u8)) { reader.Read(); reader.Skip(); }
        else if (reader.ValueTextEquals("balancesAfter"u8)) BalancesAfter = RawValue(ref reader, json);
        else if (reader.ValueTextEquals("type"u8)) Type = StringValue(ref reader);
        else if (reader.ValueTextEquals("commandId"u8)) CommandId = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("userId"u8)) UserId = StringValue(ref reader);
        else if (reader.ValueTextEquals("idempotencyKey"u8)) IdempotencyKey = StringValue(ref reader);
        else if (reader.ValueTextEquals("fingerprint"u8)) Fingerprint = StringValue(ref reader);
        else if (reader.ValueTextEquals("at"u8)) At = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("asset"u8)) Asset = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("amount"u8)) Amount = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("orderId"u8)) OrderId = StringValue(ref reader);
        else if (reader.ValueTextEquals("market"u8)) Market = StringValue(ref reader);
        else if (reader.ValueTextEquals("baseAsset"u8)) BaseAsset = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("quoteAsset"u8)) QuoteAsset = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("side"u8)) Side = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("price"u8)) Price = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("quantity"u8)) Quantity = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("held"u8)) Held = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("released"u8)) Released = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("fillId"u8)) FillId = StringValue(ref reader);
        else if (reader.ValueTextEquals("quoteAmount"u8)) QuoteAmount = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("fee"u8)) Fee = BytesValue(ref reader, json);
        else if (reader.ValueTextEquals("completed"u8)) Completed = BooleanValue(ref reader);
        else if (reader.ValueTextEquals("code"u8)) Code = StringValue(ref reader);
        else if (reader.ValueTextEquals("transferId"u8)) TransferId = StringValue(ref reader);
        else if (reader.ValueTextEquals("fromUserId"u8)) FromUserId = StringValue(ref reader);
        else if (reader.ValueTextEquals("toUserId"u8)) ToUserId = StringValue(ref reader);
        else { reader.Read(); reader.Skip(); } // a field this version does not read
    }

    private static string? StringValue(scoped ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    /// <summary>A string value's bytes, unescaped (copied only when the JSON escaped something).</summary>
    private static ReadOnlySpan<byte> BytesValue(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String) return default;
        // The value sits in the record right after its opening quote.
        if (!reader.ValueIsEscaped) return json.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
        var unescaped = new byte[reader.ValueSpan.Length];
        return unescaped.AsSpan(0, reader.CopyString(unescaped));
    }

    private static bool? BooleanValue(scoped ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False ? reader.GetBoolean() : null;
    }

    /// <summary>An array or object value, as the bytes it spans in the record.</summary>
    private static ReadOnlySpan<byte> RawValue(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        reader.Read();
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return json[start..((int)reader.BytesConsumed)];
    }

    public static string Required(string? value, string name) =>
        value ?? throw new MalformedMessage($"field '{name}' is missing or not a string");

    public static ReadOnlySpan<byte> Required(ReadOnlySpan<byte> value, string name) =>
        value.IsEmpty ? throw new MalformedMessage($"field '{name}' is missing or not a string") : value;

    public static Guid GuidOf(ReadOnlySpan<byte> value, string name)
    {
        if (Utf8Parser.TryParse(Required(value, name), out Guid id, out var used) && used == value.Length) return id;
        return System.Guid.TryParse(Encoding.UTF8.GetString(value), out id) ? id : throw new MalformedMessage($"field '{name}' is not a UUID");
    }

    /// <summary>The codec writes times as yyyy-MM-ddTHH:mm:ss.ffffffZ and reads those directly; any
    /// other ISO 8601 time goes through the general parser, as it always did.</summary>
    public static DateTimeOffset TimeOf(ReadOnlySpan<byte> value, string name)
    {
        if (TryParseCodecTime(Required(value, name), out var at)) return at;
        return DateTimeOffset.TryParse(Encoding.UTF8.GetString(value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at)
            ? at
            : throw new MalformedMessage($"field '{name}' is not an ISO 8601 time");
    }

    private static bool TryParseCodecTime(ReadOnlySpan<byte> text, out DateTimeOffset at)
    {
        at = default;
        if (text.Length != 27 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || text[19] != '.' || text[26] != 'Z') return false;
        if (!TryDigits(text[..4], out var year) || !TryDigits(text[5..7], out var month) || !TryDigits(text[8..10], out var day)
            || !TryDigits(text[11..13], out var hour) || !TryDigits(text[14..16], out var minute)
            || !TryDigits(text[17..19], out var second) || !TryDigits(text[20..26], out var microseconds)) return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59
            || second > 59) return false;
        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + microseconds * TimeSpan.TicksPerMicrosecond;
        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var digit in text)
        {
            if (digit is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (digit - '0');
        }
        return true;
    }

    /// <summary>A signed decimal string in the asset's scale, as minor units. Plain digits with at
    /// most the asset's decimals are read directly; anything else goes through
    /// <see cref="Domain.Assets.Amount.TryParse"/>, which says what is wrong with it.</summary>
    public static long AmountOf(ReadOnlySpan<byte> value, string name, Asset asset)
    {
        if (TryParseMinorUnits(Required(value, name), asset.Scale, out var minor)) return minor;
        var text = Encoding.UTF8.GetString(value);
        var negative = text.StartsWith('-');
        if (!Domain.Assets.Amount.TryParse(negative ? text[1..] : text, asset, out minor, out var error))
            throw new MalformedMessage($"field '{name}' {error}");
        return negative ? -minor : minor;
    }

    private static bool TryParseMinorUnits(ReadOnlySpan<byte> text, int scale, out long minor)
    {
        minor = 0;
        var negative = text.Length > 0 && text[0] == '-';
        if (negative) text = text[1..];
        var point = text.IndexOf((byte)'.');
        var integer = point < 0 ? text : text[..point];
        var fraction = point < 0 ? default : text[(point + 1)..];
        // Longer integer parts, and values that would overflow once scaled, go the slow way (and fail there).
        if (integer.Length is 0 or > 15 || (point >= 0 && fraction.Length == 0) || fraction.Length > scale) return false;
        long value = 0;
        foreach (var digit in integer)
        {
            if (digit is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (digit - '0');
        }
        for (var i = 0; i < scale; i++)
        {
            var digit = i < fraction.Length ? fraction[i] : (byte)'0';
            if (digit is < (byte)'0' or > (byte)'9') return false;
            if (value > (long.MaxValue - 9) / 10) return false;
            value = value * 10 + (digit - '0');
        }
        if (value > Domain.Assets.Amount.MinorUnitsMax) return false;
        minor = negative ? -value : value;
        return true;
    }

    public static Side SideOf(ReadOnlySpan<byte> value, string name) =>
        value.SequenceEqual("buy"u8) ? Domain.Orders.Side.Buy
        : value.SequenceEqual("sell"u8) ? Domain.Orders.Side.Sell
        : throw new MalformedMessage($"field '{name}' must be \"buy\" or \"sell\"");
}
