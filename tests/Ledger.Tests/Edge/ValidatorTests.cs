using Ledger.Api.Commands;
using Ledger.Api.Edge;
using Ledger.Api.Orders;
using Ledger.Api.Statistics;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Xunit;

namespace Ledger.Tests.Edge;

/// <summary>The validators on their own, without HTTP: which field each mistake is reported on, and
/// the rules that depend on another field (an amount's scale on its asset or market).</summary>
public sealed class ValidatorTests
{
    private static readonly AssetCatalog Assets = AssetCatalog.Default;
    private static readonly MarketCatalog Markets = MarketCatalog.Default;

    private static Dictionary<string, string[]> ErrorsOf<T>(RequestValidator<T> validator, T request) =>
        validator.Validate(request).Errors.GroupBy(f => ValidationProblems.FieldName(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray());

    [Fact]
    public void a_command_reports_its_key_and_its_body_fields_together_under_the_names_the_caller_sent()
    {
        var validator = new CommandValidator<MoneyMovementBody>(new MoneyMovementValidator(Assets));
        var errors = ErrorsOf(validator, new CommandRequest<MoneyMovementBody>(null, new MoneyMovementBody("bad user", "USD", "1.001")));

        Assert.Equal(["Idempotency-Key", "amount", "userId"], errors.Keys.Order());
        Assert.Equal(["has more than 2 decimal places for USD"], errors["amount"]);
    }

    [Fact]
    public void a_missing_body_is_one_error_on_body()
    {
        var validator = new CommandValidator<MoneyMovementBody>(new MoneyMovementValidator(Assets));
        var errors = ErrorsOf(validator, new CommandRequest<MoneyMovementBody>("key", null));

        Assert.Equal(["a JSON object is required"], Assert.Single(errors).Value);
        Assert.Equal("body", errors.Keys.Single());
    }

    [Theory]
    [InlineData("two-a,two-b")] // two Idempotency-Key headers, as HTTP joins them (issue 13: they became one key)
    [InlineData("a,")]
    [InlineData(",")]
    public void an_idempotency_key_that_could_be_read_as_two_is_refused(string key)
    {
        var validator = new CommandValidator<MoneyMovementBody>(new MoneyMovementValidator(Assets));
        var errors = ErrorsOf(validator, new CommandRequest<MoneyMovementBody>(key, new MoneyMovementBody("alice", "USD", "1.00")));

        Assert.Equal(["must be one key: send one Idempotency-Key header, without ','"], errors["Idempotency-Key"]);
    }

    [Fact]
    public void a_body_of_the_wrong_shape_is_answered_with_the_key_and_not_judged_further()
    {
        var validator = new CommandValidator<MoneyMovementBody>(new MoneyMovementValidator(Assets));
        var posted = CommandBody<MoneyMovementBody>.Read(
            new System.Buffers.ReadOnlySequence<byte>("""{"userId":"bad user","memo":"x"}"""u8.ToArray()), new CommandOptions());

        var answer = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ValidationProblem>(validator.Problem("a b", posted));
        Assert.Equal(["Idempotency-Key", "memo"], answer.ProblemDetails.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("invalid_request", answer.ProblemDetails.Extensions["code"]);
    }

    [Fact]
    public void an_amount_is_not_judged_while_its_asset_or_market_is_unknown()
    {
        Assert.Equal(["asset"], ErrorsOf(new MoneyMovementValidator(Assets), new MoneyMovementBody("alice", "XYZ", "1.001")).Keys);
        Assert.Equal(["market"], ErrorsOf(new PlaceOrderValidator(Assets, Markets),
            new PlaceOrderBody(null, "alice", "DOGE-USD", "buy", "1.001", "0.000000001")).Keys);
    }

    [Theory]
    [InlineData("buy", "0.00000001", true)]   // a buyer receives BTC: 8 decimals
    [InlineData("sell", "0.00000001", false)] // a seller receives USD: 2 decimals
    [InlineData("sell", "0.01", true)]
    [InlineData("buy", "-1", false)]
    [InlineData("buy", "0", true)]            // no fee is a fee of zero
    public void a_fee_is_in_the_scale_of_the_asset_the_order_owner_receives(string side, string fee, bool valid)
    {
        var body = new FillBody("alice", "fill-1", "BTC-USD", side, "0.10000000", "10.00", fee);
        var errors = ErrorsOf(new FillValidator(Assets, Markets), body);
        Assert.Equal(valid, !errors.ContainsKey("fee"));
        Assert.Equal(valid ? 0 : 1, errors.Count);
    }

    [Theory]
    [InlineData("2026-01-01", "2026-12-31", null)]
    [InlineData("2026-02-01", "2026-01-31", "from")]
    [InlineData("2025-01-01", "2026-01-01", null)] // 366 days, both ends included
    [InlineData("2025-01-01", "2026-01-02", "to")]
    [InlineData("2026-1-1", "2026-01-02", "from")]
    public void a_range_of_days_is_at_most_366_days_from_before_to(string from, string to, string? field)
    {
        var errors = ErrorsOf(new DailyStatisticsQueryValidator(Assets), new DailyStatisticsQuery(from, to, null));
        if (field is null) Assert.Empty(errors);
        else Assert.Equal(field, Assert.Single(errors).Key);
    }

    [Theory]
    [InlineData("Body.UserId", "userId")]
    [InlineData("FromUserId", "fromUserId")]
    [InlineData("Idempotency-Key", "Idempotency-Key")]
    [InlineData("body", "body")]
    public void property_paths_become_the_json_field_names(string path, string field) =>
        Assert.Equal(field, ValidationProblems.FieldName(path));
}
