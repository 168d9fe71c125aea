using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Ledger.Api.Commands;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Ledger.Api.Edge;

/// <summary>
/// A command's JSON body, read strictly so that every request means one thing: one JSON object
/// (UTF-8, no byte order mark, no comments, no trailing commas or content) whose member names are
/// exactly the command's own, case-sensitive, each at most once, each a JSON string. Anything else
/// is refused before a field is judged, naming the member: a duplicate or an unknown member could
/// otherwise move money the caller did not mean (the last "amount" of two, a misspelt "Amount").
/// One pass of <see cref="Utf8JsonReader"/> over the body's bytes: no reflection, no JSON document,
/// one string per member value.
/// </summary>
public sealed class CommandBody<TBody> : IBindableFromHttpContext<CommandBody<TBody>>, IEndpointParameterMetadataProvider
    where TBody : class, ICommandBody<TBody>
{
    /// <summary>How much of an unknown member's name an answer repeats.</summary>
    private const int NameShownLengthMax = 64;

    private CommandBody(TBody? value, IReadOnlyDictionary<string, string[]>? errors, IResult? refusal)
    {
        Value = value;
        Errors = errors;
        Refusal = refusal;
    }

    /// <summary>The body; null when <see cref="Errors"/> or <see cref="Refusal"/> say why there is none.</summary>
    public TBody? Value { get; }

    /// <summary>What is wrong with the body's shape, by member name as sent ("body" for the whole):
    /// unknown, repeated, or of the wrong JSON type. Null when the shape is right.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    /// <summary>The whole request refused: not JSON (400 malformed_json), not sent as UTF-8 JSON (415),
    /// too large (413). Null otherwise.</summary>
    public IResult? Refusal { get; }

    public static async ValueTask<CommandBody<TBody>?> BindAsync(HttpContext http, ParameterInfo parameter)
    {
        if (!IsUtf8Json(http.Request.ContentType)) return Refused(BadRequestAnswers.Refusal(http, StatusCodes.Status415UnsupportedMediaType));
        var options = http.RequestServices.GetRequiredService<IOptions<CommandOptions>>().Value;
        var body = http.Request.BodyReader;
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(http.RequestAborted);
                // Kestrel stops a body at RequestBodyBytesMax; checked here too, so no host can hand over more.
                if (read.Buffer.Length > options.RequestBodyBytesMax)
                    return Refused(BadRequestAnswers.Refusal(http, StatusCodes.Status413PayloadTooLarge));
                if (read.IsCompleted)
                {
                    var parsed = Read(read.Buffer, options);
                    body.AdvanceTo(read.Buffer.End);
                    return parsed;
                }
                body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException refused) // Kestrel's own: over the body limit (413), cut short (400), too slow (408)
        {
            return Refused(BadRequestAnswers.Refusal(http, refused.StatusCode));
        }
    }

    /// <summary>The OpenAPI document shows the body (its schema comes from <see cref="ICommandBody{TSelf}.Members"/>).</summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(TBody)));

    /// <summary>Reads a complete body. Public for the tests, which read bodies without HTTP.</summary>
    public static CommandBody<TBody> Read(ReadOnlySequence<byte> json, CommandOptions limits)
    {
        if (json.IsEmpty) return Invalid("body", "a JSON object is required");
        if (StartsWithByteOrderMark(json))
            return Refused(BadRequestAnswers.MalformedJson("The body starts with a byte order mark (EF BB BF): send UTF-8 JSON without one"));

        var members = TBody.Members;
        var values = new string?[members.Count];
        Span<bool> seen = stackalloc bool[members.Count];
        Dictionary<string, string[]>? errors = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = limits.RequestBodyDepthMax,
        });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                ReadToEnd(ref reader);
                return Invalid("body", "must be a JSON object");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = IndexOf(ref reader, members);
                var (field, problem) = index < 0 ? Unknown(ref reader, members)
                    : seen[index] ? (members[index].Name, "appears more than once: send each member once")
                    : (members[index].Name, null);
                reader.Read(); // to the member's value
                if (problem is null && reader.TokenType != JsonTokenType.String) problem = members[index].TypeError;
                if (problem is null && !TryGetString(ref reader, out values[index])) problem = "is not valid UTF-8 text";
                if (index >= 0) seen[index] = true;
                if (problem is not null) Add(ref errors, field, problem, limits.RequestBodyErrorsMax);
                reader.Skip(); // a nested value of the wrong type, whole
            }
            ReadToEnd(ref reader);
        }
        catch (JsonException malformed)
        {
            return Refused(BadRequestAnswers.MalformedJson(malformed));
        }
        return errors is null ? new CommandBody<TBody>(TBody.From(values), null, null) : new CommandBody<TBody>(null, errors, null);
    }

    /// <summary>Past the body's one value: anything but white space after it makes the reader throw.</summary>
    private static void ReadToEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read()) { }
    }

    private static int IndexOf(ref Utf8JsonReader reader, IReadOnlyList<BodyMember> members)
    {
        for (var i = 0; i < members.Count; i++)
            if (reader.ValueTextEquals(members[i].Utf8Name)) return i;
        return -1;
    }

    /// <summary>An unknown member, named as sent (shortened); a known name in other letter case is pointed out.</summary>
    private static (string Field, string Problem) Unknown(ref Utf8JsonReader reader, IReadOnlyList<BodyMember> members)
    {
        if (!TryGetString(ref reader, out var name)) return ("body", "has a member name that is not valid UTF-8 text");
        var shown = name!.Length <= NameShownLengthMax ? name : name[..NameShownLengthMax] + "...";
        var otherCase = members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
        return (shown, otherCase is not null
            ? $"is not a member of this request: names are case-sensitive, did you mean \"{otherCase.Name}\"?"
            : $"is not a member of this request (its members: {string.Join(", ", members.Select(m => m.Name))})");
    }

    /// <summary>False for bytes that are not UTF-8 or an escaped lone surrogate: no text to judge.</summary>
    private static bool TryGetString(ref Utf8JsonReader reader, out string? text)
    {
        try
        {
            text = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>One message per field; at most <paramref name="fieldsMax"/> fields, so a body of thousands
    /// of unknown members does not make an answer as large.</summary>
    private static void Add(ref Dictionary<string, string[]>? errors, string field, string problem, int fieldsMax)
    {
        errors ??= [];
        if (errors.Count < fieldsMax) errors.TryAdd(field, [problem]);
    }

    private static bool StartsWithByteOrderMark(ReadOnlySequence<byte> json)
    {
        Span<byte> start = stackalloc byte[3];
        if (json.Length < 3) return false;
        json.Slice(0, 3).CopyTo(start);
        return start is [0xEF, 0xBB, 0xBF];
    }

    /// <summary>application/json, with no charset or charset utf-8: a body in another charset would be
    /// read as something other than what was sent.</summary>
    private static bool IsUtf8Json(string? contentType) =>
        string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase) // the usual case, without parsing
        || MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!type.Charset.HasValue || HeaderUtilities.RemoveQuotes(type.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static CommandBody<TBody> Invalid(string field, string problem) => new(null, new Dictionary<string, string[]> { [field] = [problem] }, null);

    private static CommandBody<TBody> Refused(IResult refusal) => new(null, null, refusal);
}
