using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Tests.Projection;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Contracts;

/// <summary>A writer rebuilds its partition with <see cref="EventReplay"/>: records decoded on the
/// thread pool, events applied in log order.</summary>
public sealed class EventReplayTests(ITestOutputHelper output)
{
    private readonly EventCodec _codec = new(AssetCatalog.Default);

    [Fact]
    public void replaying_records_builds_the_state_that_applying_the_events_one_by_one_builds()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED replays it)");
        var stream = GeneratedStream.Generate(seed, commands: 5_000, days: 3);
        var expected = new LedgerState();
        foreach (var projected in stream) LedgerDecider.Evolve(expected, projected.Message.Event);

        var replayed = new LedgerState();
        var replay = new EventReplay(_codec, replayed);
        foreach (var projected in stream) replay.Add(projected.Body);
        replay.Finish();

        Assert.Equal(stream.Count, replay.Applied);
        Assert.Equal(expected.EventsApplied, replayed.EventsApplied);
        Assert.Equal(expected.Balances.OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal),
            replayed.Balances.OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal));
        Assert.Equal(expected.Orders.OrderBy(order => (order.OwnerId, order.OrderId)), replayed.Orders.OrderBy(order => (order.OwnerId, order.OrderId)));
        Assert.Equal(expected.Requests.Count, replayed.Requests.Count);
    }

    [Fact]
    public void a_record_that_does_not_decode_stops_the_replay_before_it_and_every_later_event()
    {
        var stream = GeneratedStream.Generate(seed: 7, commands: 3_000, days: 1);
        const int broken = 1_500;
        var replayed = new LedgerState();
        var replay = new EventReplay(_codec, replayed);

        Assert.Throws<MalformedMessage>(() =>
        {
            for (var i = 0; i < stream.Count; i++) replay.Add(i == broken ? "{\"type\":\"Deposited\"}"u8.ToArray() : stream[i].Body);
            replay.Finish();
        });
        Assert.True(replay.Applied <= broken, $"applied {replay.Applied} events, the record at {broken} is broken");
        Assert.Equal(replay.Applied, replayed.EventsApplied);
    }
}
