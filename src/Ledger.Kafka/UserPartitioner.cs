using System.Text;

namespace Ledger.Kafka;

/// <summary>
/// Which partition a user belongs to: Kafka's default partitioner for keyed records (murmur2 of
/// the key, as the Java client computes it), so a user's commands, events and any Java producer's
/// records keyed by user id all land on the same partition number.
/// </summary>
public static class UserPartitioner
{
    public static int PartitionOf(string userId, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return (Murmur2(Encoding.UTF8.GetBytes(userId)) & 0x7fffffff) % partitionCount;
    }

    private static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint seed = 0x9747b28c;
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = seed ^ (uint)length;
        var i = 0;
        for (; i + 4 <= length; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        switch (length - i)
        {
            case 3: h ^= (uint)data[i + 2] << 16; goto case 2;
            case 2: h ^= (uint)data[i + 1] << 8; goto case 1;
            case 1: h ^= data[i]; h *= m; break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}
