using Ledger.Domain.Assets;
using Xunit;

namespace Ledger.Tests.Contracts;

public sealed class AmountTests
{
    private static readonly Asset Usd = AssetCatalog.Default.Get("USD");
    private static readonly Asset Btc = AssetCatalog.Default.Get("BTC");

    [Theory]
    [InlineData("100.00", 10_000)]
    [InlineData("100", 10_000)]
    [InlineData("0.01", 1)]
    [InlineData("007.5", 750)]
    [InlineData("10000000000000.00", 1_000_000_000_000_000)]
    public void decimal_strings_in_the_assets_scale_parse_to_exact_minor_units(string text, long minorUnits)
    {
        Assert.True(Amount.TryParsePositive(text, Usd, out var parsed, out var error), error);
        Assert.Equal(minorUnits, parsed);
    }

    [Theory]
    [InlineData("1.001", "more than 2 decimal places")]
    [InlineData("0", "greater than zero")]
    [InlineData("0.00", "greater than zero")]
    [InlineData("-1.00", "negative")]
    [InlineData("1e3", "decimal number")]
    [InlineData("1E3", "decimal number")]
    [InlineData(" 1.00", "decimal number")]
    [InlineData("1.00 ", "decimal number")]
    [InlineData("1 000", "decimal number")]
    [InlineData("+1", "decimal number")]
    [InlineData("1.", "decimal number")]
    [InlineData(".5", "decimal number")]
    [InlineData("1,5", "decimal number")]
    [InlineData("", "required")]
    [InlineData("10000000000000.01", "too large")]
    [InlineData("99999999999999999999999999", "too large")]
    public void amounts_that_are_not_exact_positive_decimals_in_scale_are_rejected_never_rounded(string text, string reason)
    {
        Assert.False(Amount.TryParsePositive(text, Usd, out var parsed, out var error));
        Assert.Equal(0, parsed);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void more_decimals_than_the_scale_are_rejected_even_when_they_are_zeros() =>
        Assert.False(Amount.TryParsePositive("1.000", Usd, out _, out _));

    [Theory]
    [InlineData(1L)]
    [InlineData(10_000L)]
    [InlineData(123_456_789L)]
    [InlineData(1_000_000_000_000_000L)]
    public void formatted_amounts_parse_back_to_the_same_minor_units(long minorUnits)
    {
        foreach (var asset in new[] { Usd, Btc })
        {
            var text = Amount.Format(minorUnits, asset);
            Assert.True(Amount.TryParsePositive(text, asset, out var parsed, out var error), error);
            Assert.Equal(minorUnits, parsed);
        }
    }

    [Fact]
    public void format_writes_exactly_the_assets_scale()
    {
        Assert.Equal("100.00", Amount.Format(10_000, Usd));
        Assert.Equal("0.00000001", Amount.Format(1, Btc));
        Assert.Equal("-0.05", Amount.Format(-5, Usd));
    }
}
