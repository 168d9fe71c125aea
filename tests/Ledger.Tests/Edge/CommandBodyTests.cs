using System.Buffers;
using System.Text;
using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.Orders;
using Ledger.Api.Transfers;
using Microsoft.AspNetCore.Http.HttpResults;
using Xunit;

namespace Ledger.Tests.Edge;

/// <summary>Command bodies read strictly, without HTTP: a body means one thing or is refused, naming
/// the member. The bad-input suite sends the same mistakes through a running Api.</summary>
public sealed class CommandBodyTests
{
    private static readonly CommandOptions Limits = new();

    private static CommandBody<MoneyMovementBody> Deposit(string json) => Read<MoneyMovementBody>(Encoding.UTF8.GetBytes(json));

    private static CommandBody<TBody> Read<TBody>(byte[] json) where TBody : class, ICommandBody<TBody> =>
        CommandBody<TBody>.Read(new ReadOnlySequence<byte>(json), Limits);

    [Fact]
    public void a_body_of_its_members_reads_into_their_fields()
    {
        var body = Deposit("""{ "amount": "1.00", "userId": "carol", "asset": "USD" }""");
        Assert.Null(body.Errors);
        Assert.Null(body.Refusal);
        Assert.Equal(new MoneyMovementBody("carol", "USD", "1.00"), body.Value);
    }

    [Fact]
    public void a_repeated_member_is_refused_never_the_last_one_taken() // issue 13: the second amount deposited 900.00
    {
        var body = Deposit("""{"userId":"carol","asset":"USD","amount":"1.00","amount":"900.00"}""");
        Assert.Null(body.Value);
        Assert.Equal(["appears more than once: send each member once"], body.Errors!["amount"]);
    }

    [Fact]
    public void a_member_repeated_under_an_escaped_name_is_the_same_member()
    {
        var body = Deposit("""{"userId":"carol","asset":"USD","amount":"1.00","\u0061mount":"900.00"}""");
        Assert.Equal(["amount"], body.Errors!.Keys);
    }

    [Fact]
    public void member_names_are_case_sensitive_and_a_wrong_case_says_which_was_meant()
    {
        var body = Deposit("""{"userId":"carol","asset":"USD","Amount":"2.00"}""");
        Assert.Null(body.Value);
        Assert.Equal(["is not a member of this request: names are case-sensitive, did you mean \"amount\"?"], body.Errors!["Amount"]);
    }

    [Fact]
    public void an_unknown_member_is_refused_and_the_members_are_listed()
    {
        var body = Deposit("""{"userId":"carol","asset":"USD","amount":"2.00","memo":"x"}""");
        Assert.Equal(["is not a member of this request (its members: userId, asset, amount)"], body.Errors!["memo"]);
    }

    [Theory]
    [InlineData("1.00")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("""{"value":"1.00"}""")]
    [InlineData("""["1.00"]""")]
    public void an_amount_that_is_not_a_string_is_told_it_must_be_a_decimal_string(string amount)
    {
        var body = Deposit($$"""{"userId":"carol","asset":"USD","amount":{{amount}}}""");
        Assert.Equal(["must be a decimal string such as \"1.00\""], body.Errors!["amount"]);
    }

    [Fact]
    public void a_text_member_that_is_not_a_string_is_told_it_must_be_a_string()
    {
        var body = Read<TransferBody>("""{"fromUserId":"a","toUserId":7,"asset":"USD","amount":"1.00"}"""u8.ToArray());
        Assert.Equal(["must be a JSON string"], body.Errors!["toUserId"]);
    }

    [Fact]
    public void every_shape_error_of_a_body_is_reported_at_once()
    {
        var body = Read<PlaceOrderBody>("""{"userId":"a","Market":"BTC-USD","side":1,"side":"buy","price":"1","quantity":"1","x":{}}"""u8.ToArray());
        Assert.Equal(["Market", "side", "x"], body.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void a_body_that_is_not_an_object_is_refused_on_body(string json) =>
        Assert.Equal(["must be a JSON object"], Deposit(json).Errors!["body"]);

    [Fact]
    public void no_body_is_refused_on_body() => Assert.Equal(["a JSON object is required"], Deposit("").Errors!["body"]);

    [Theory]
    [InlineData("""{"userId":"carol","asset":"USD","amount":"1.00"} x""", "'x' is invalid after a single JSON value")]
    [InlineData("""{"userId":"carol","asset":"USD","amount":"1.00"}{}""", "is invalid after a single JSON value")]
    [InlineData("""{"userId":"carol", /* who */ "asset":"USD","amount":"1.00"}""", "'/' is an invalid start of a property name")]
    [InlineData("""{"userId":"carol","asset":"USD","amount":"1.00",}""", "")]
    [InlineData("{\"userId\":\"carol\",\"asset\":\"USD\",\"amount\":\"1.00\u0001\"}", "invalid within a JSON string")] // a raw control character
    [InlineData("""{"userId":'carol',"asset":"USD","amount":"1.00"}""", "")]
    [InlineData("""{"padding":[[[[[[[[[["deep"]]]]]]]]]]}""", "maximum configured depth of 8")]
    public void json_that_is_not_one_plain_json_value_is_malformed(string json, string reason)
    {
        var body = Deposit(json);
        Assert.Null(body.Value);
        var problem = Assert.IsType<ProblemHttpResult>(body.Refusal).ProblemDetails;
        Assert.Equal("malformed_json", problem.Extensions["code"]);
        Assert.Contains(reason, problem.Detail);
        Assert.Contains("(line 1, byte ", problem.Detail);
    }

    [Fact]
    public void a_byte_order_mark_is_refused_with_its_own_reason()
    {
        var body = Read<MoneyMovementBody>([0xEF, 0xBB, 0xBF, .. """{"userId":"carol","asset":"USD","amount":"1.00"}"""u8.ToArray()]);
        var problem = Assert.IsType<ProblemHttpResult>(body.Refusal).ProblemDetails;
        Assert.Equal("malformed_json", problem.Extensions["code"]);
        Assert.Contains("byte order mark", problem.Detail);
    }

    [Fact]
    public void text_that_is_not_utf8_is_refused_on_its_member()
    {
        var body = Read<MoneyMovementBody>([.. """{"userId":"carol","asset":"USD","amount":"1"""u8.ToArray(), 0xFF, .. "\"}"u8.ToArray()]);
        Assert.Equal(["is not valid UTF-8 text"], body.Errors!["amount"]);
        var surrogate = Deposit("""{"userId":"\ud800","asset":"USD","amount":"1.00"}""");
        Assert.Equal(["is not valid UTF-8 text"], surrogate.Errors!["userId"]);
    }

    [Fact]
    public void a_body_read_in_several_segments_reads_the_same()
    {
        var json = """{"userId":"carol","asset":"USD","amount":"1.00"}"""u8.ToArray();
        var first = new Segment(json.AsMemory(0, 20), 0);
        var last = first.Append(json.AsMemory(20));
        var body = CommandBody<MoneyMovementBody>.Read(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), Limits);
        Assert.Equal(new MoneyMovementBody("carol", "USD", "1.00"), body.Value);
    }

    [Fact]
    public void a_refusal_names_at_most_the_configured_number_of_members_and_shortens_long_names()
    {
        var members = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"unknown{i}{new string('x', 100)}\":\"v\""));
        var body = Deposit("{" + members + "}");
        Assert.Equal(Limits.RequestBodyErrorsMax, body.Errors!.Count);
        Assert.All(body.Errors.Keys, name => Assert.True(name.Length <= 64 + 3, name));
    }

    /// <summary>Each body's <c>From</c> takes its values in the order of its <c>Members</c>: the member
    /// named "userId" fills the property UserId, and so on for every member of every command body.</summary>
    [Fact]
    public void every_command_body_fills_each_member_into_the_property_of_its_name()
    {
        Check<MoneyMovementBody>();
        Check<PlaceOrderBody>();
        Check<CancelOrderBody>();
        Check<FillBody>();
        Check<TransferBody>();

        static void Check<TBody>() where TBody : class, ICommandBody<TBody>
        {
            var values = TBody.Members.Select(m => $"value of {m.Name}").ToArray<string?>();
            var body = TBody.From(values);
            var properties = typeof(TBody).GetProperties().Where(p => p.PropertyType == typeof(string)).ToList();
            Assert.Equal(properties.Count, TBody.Members.Count);
            foreach (var member in TBody.Members)
            {
                var property = properties.Single(p => p.Name == char.ToUpperInvariant(member.Name[0]) + member.Name[1..]);
                Assert.Equal($"value of {member.Name}", property.GetValue(body));
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
