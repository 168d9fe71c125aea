using System.Numerics;
using Ledger.Domain.Markets;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Domain;

public sealed class QuoteAmountTests(ITestOutputHelper output)
{
    [Fact]
    public void price_times_quantity_over_the_base_unit_rounds_as_asked_whether_or_not_the_product_fits_a_long()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_TEST_SEED"), out var given) ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED replays it)");
        var random = new Random(seed);
        long[] baseUnits = [1, 100, 100_000_000, 1_000_000_000_000_000_000];
        for (var i = 0; i < 100_000; i++)
        {
            // Half the products fit a long (the fast path), half do not.
            var price = random.Next(2) == 0 ? random.NextInt64(1, 3_000_000_000) : random.NextInt64(long.MaxValue);
            var quantity = random.Next(2) == 0 ? random.NextInt64(1, 1_000_000_000) : random.NextInt64(long.MaxValue);
            var baseUnit = baseUnits[random.Next(baseUnits.Length)];
            var exact = BigInteger.DivRem(new BigInteger(price) * quantity, baseUnit, out var remainder);
            var up = remainder == 0 ? exact : exact + 1;

            Assert.True(QuoteAmount.TryRoundDown(price, quantity, baseUnit, out var down) == exact <= long.MaxValue, $"seed {seed}: {price} x {quantity} / {baseUnit}");
            if (exact <= long.MaxValue) Assert.Equal(exact, new BigInteger(down));
            Assert.True(QuoteAmount.TryRoundUp(price, quantity, baseUnit, out var roundedUp) == up <= long.MaxValue, $"seed {seed}: {price} x {quantity} / {baseUnit}");
            if (up <= long.MaxValue) Assert.Equal(up, new BigInteger(roundedUp));
        }
    }
}
