using Ledger.Kafka;
using Xunit;

namespace Ledger.Tests.Kafka;

public sealed class UserPartitionerTests
{
    // Kafka's Java client: Utils.toPositive(Utils.murmur2(key)) % partitions. The values are the
    // murmur2 results Kafka's own UtilsTest pins.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void a_user_lands_on_the_partition_a_java_producer_would_choose(string key, int javaMurmur2)
    {
        foreach (var partitions in new[] { 1, 3, 12, 1000 })
            Assert.Equal((javaMurmur2 & 0x7fffffff) % partitions, UserPartitioner.PartitionOf(key, partitions));
    }

    [Fact]
    public void users_spread_over_every_partition()
    {
        var used = Enumerable.Range(0, 1_000).Select(i => UserPartitioner.PartitionOf($"user-{i}", 12)).Distinct().Count();
        Assert.Equal(12, used);
    }
}
