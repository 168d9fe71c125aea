using Ledger.LoadGenerator.Load;
using Xunit;

namespace Ledger.Tests.Bench;

/// <summary>The benchmark's numbers are only as good as its sampler and its percentiles.</summary>
public sealed class LoadGeneratorMathTests
{
    [Fact]
    public void zipf_weights_follow_the_power_law_and_add_up_to_one()
    {
        var zipf = ZipfSampler.Zipf(10_000, 1.2);

        Assert.Equal(Math.Pow(2, 1.2), zipf.Probability(1) / zipf.Probability(2), 9);
        Assert.Equal(Math.Pow(1000.0 / 10, 1.2), zipf.Probability(10) / zipf.Probability(1000), 6);
        Assert.Equal(1.0, Enumerable.Range(1, 10_000).Sum(zipf.Probability), 9);
        Assert.InRange(zipf.Probability(1), 0.15, 0.30); // the hottest of 10,000 users gets about a fifth of the load
    }

    [Fact]
    public void zipf_draws_land_on_the_ranks_as_often_as_their_weights_say()
    {
        const int draws = 200_000;
        const int seed = 12345; // fixed: the test is deterministic
        var zipf = ZipfSampler.Zipf(10_000, 1.2);
        var random = new Random(seed);
        var counts = new int[10_001];
        for (var i = 0; i < draws; i++) counts[zipf.Next(random)]++;

        Assert.Equal(0, counts[0]);
        foreach (var rank in new[] { 1, 2, 10, 100 })
        {
            var expected = zipf.Probability(rank) * draws;
            var sigma = Math.Sqrt(draws * zipf.Probability(rank) * (1 - zipf.Probability(rank)));
            Assert.InRange(counts[rank], expected - 5 * sigma, expected + 5 * sigma);
        }
        var tail = counts.Skip(5_001).Sum(); // the colder half of the users
        var expectedTail = Enumerable.Range(5_001, 5_000).Sum(zipf.Probability) * draws;
        Assert.InRange(tail, expectedTail * 0.9, expectedTail * 1.1);
    }

    [Fact]
    public void uniform_draws_cover_every_rank_and_hot_draws_only_the_first()
    {
        var random = new Random(7);
        var uniform = ZipfSampler.Uniform(10);
        var seen = Enumerable.Range(0, 1_000).Select(_ => uniform.Next(random)).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 10).ToHashSet(), seen);

        var hot = ZipfSampler.Hot(10_000);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, hot.Next(random)));
        Assert.Equal("zipf s=1.2", ZipfSampler.Parse("zipf:1.2", 10).Name);
        Assert.Throws<ArgumentException>(() => ZipfSampler.Parse("pareto", 10));
    }

    [Fact]
    public void percentiles_are_nearest_rank_over_every_sample()
    {
        var hundred = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(50, Percentiles.Of(hundred, 50));
        Assert.Equal(99, Percentiles.Of(hundred, 99));
        Assert.Equal(100, Percentiles.Of(hundred, 99.9));
        Assert.Equal(1, Percentiles.Of(hundred, 0.5));

        var thousand = Enumerable.Range(1, 1_000).Select(i => (double)i).ToArray();
        Assert.Equal(999, Percentiles.Of(thousand, 99.9));
        Assert.Equal(7, Percentiles.Of([7.0], 99.9));
        Assert.True(double.IsNaN(Percentiles.Of([], 50)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of(hundred, 0));
    }
}
