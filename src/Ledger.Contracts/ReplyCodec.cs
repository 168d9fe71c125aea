using System.Text.Json;

namespace Ledger.Contracts;

/// <summary>The writer's answer to a command that decided nothing new because its idempotency key
/// was already used: it carries the first event decided under that key. Published on ledger.replies.</summary>
public sealed record Reply(Guid CommandId, EventMessage FirstOutcome);

public sealed class ReplyCodec(EventCodec events)
{
    public byte[] Encode(Reply reply)
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("commandId", reply.CommandId);
            writer.WritePropertyName("firstOutcome");
            events.Write(writer, reply.FirstOutcome);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public Reply Decode(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (!root.TryGetProperty("firstOutcome", out var first)) throw new MalformedMessage("field 'firstOutcome' is missing");
            return new Reply(JsonFields.Guid(root, "commandId"), events.Read(first));
        }
        catch (JsonException error)
        {
            throw new MalformedMessage("reply is not valid JSON", error);
        }
    }
}
