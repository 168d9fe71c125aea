using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Contracts;
using Ledger.Projector.Projection;

namespace Ledger.Tests.Projection;

/// <summary>
/// A seeded stream of ledger.events as the writers would publish it: commands decided by the real
/// LedgerDecider over many days (deposits, withdrawals, orders, fills, cancels, refusals), some of
/// them late (their time a day or two behind), spread over partitions with increasing offsets.
/// Shared with bench/Ledger.ProjectorBenchmark.
/// </summary>
public static class GeneratedStream
{
    public static readonly DateTimeOffset FirstDay = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Market BtcUsd = MarketCatalog.Default.Get("BTC-USD");
    private static readonly EventCodec Codec = new(AssetCatalog.Default);

    public static int SeedFromEnvironment() =>
        Environment.GetEnvironmentVariable("LEDGER_TEST_SEED") is { } given ? int.Parse(given) : Random.Shared.Next();

    /// <param name="days">Days the stream spans, from <see cref="FirstDay"/> (or <paramref name="firstDay"/>).</param>
    public static List<ProjectedEvent> Generate(int seed, int commands, int days, int users = 20, int partitions = 4,
        DateTimeOffset? firstDay = null, string userPrefix = "user")
    {
        var random = new Random(seed);
        var state = new LedgerState();
        var offsets = new long[partitions];
        var orders = new List<(string User, string OrderId, Side Side)>();
        var stream = new List<ProjectedEvent>(commands * 2);
        var start = firstDay ?? FirstDay;
        for (var i = 0; i < commands; i++)
        {
            var user = $"{userPrefix}-{random.Next(users):00}";
            var at = start.AddDays((long)i * days / commands).AddSeconds(random.Next(86_400));
            if (random.Next(20) == 0 && at > start.AddDays(2)) at = at.AddHours(-random.Next(1, 48)); // late
            var command = NextCommand(random, user, i, orders);
            foreach (var @event in LedgerDecider.Decide(command, state, at))
            {
                LedgerDecider.Evolve(state, @event);
                var message = new EventMessage(@event, LedgerDecider.BalancesAfter(state, @event));
                var partition = StablePartition(@event.Request.UserId, partitions);
                stream.Add(new ProjectedEvent(partition, offsets[partition]++, message, Codec.Encode(message)));
            }
        }
        return stream;
    }

    private static int StablePartition(string userId, int partitions)
    {
        var hash = 17;
        foreach (var c in userId) hash = unchecked(hash * 31 + c);
        return (int)((uint)hash % partitions);
    }

    private static Command NextCommand(Random random, string user, int i, List<(string User, string OrderId, Side Side)> orders)
    {
        Request Request() => new(Guid.NewGuid(), user, $"key-{i}", "fingerprint");
        var roll = random.Next(100);
        var mine = orders.Where(o => o.User == user).ToList();
        if (roll < 25) return new Deposit(Request(), random.Next(2) == 0 ? "USD" : "BTC", random.Next(1, 5) * 1_000_000L);
        if (roll < 35) return new Withdraw(Request(), random.Next(2) == 0 ? "USD" : "BTC", random.Next(1, 40) * 100_000L);
        if (roll < 60 || mine.Count == 0)
        {
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var orderId = random.Next(10) == 0 && mine.Count > 0 ? mine[random.Next(mine.Count)].OrderId : $"o-{i}";
            var market = random.Next(30) == 0 ? "XYZ-USD" : "BTC-USD";
            orders.Add((user, orderId, side));
            return new PlaceOrder(Request(), orderId, market, side, random.Next(20, 40) * 100_000L, random.Next(1, 30) * 100_000L);
        }
        var order = mine[random.Next(mine.Count)];
        if (roll < 70) return new CancelOrder(Request(), order.OrderId);
        return new Fill(Request(), order.OrderId, $"f-{i}", BtcUsd.Symbol, order.Side, random.Next(1, 10) * 100_000L,
            random.Next(20, 40) * 100_000L, random.Next(0, 500));
    }

    /// <summary>Cuts the stream into batches of random sizes, as a projector's polls would.</summary>
    public static IEnumerable<List<ProjectedEvent>> Batches(List<ProjectedEvent> stream, Random random, int sizeMax)
    {
        for (var i = 0; i < stream.Count;)
        {
            var size = Math.Min(random.Next(1, sizeMax + 1), stream.Count - i);
            yield return stream.GetRange(i, size);
            i += size;
        }
    }
}
