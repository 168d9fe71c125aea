using Ledger.Api.Writer;
using Ledger.Tests.Projection;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Writer;

/// <summary>
/// A partition writer's delivery reports, as librdkafka gives them: in produce order, a request's
/// records at consecutive offsets, a transaction marker after each commit, and now and then a request
/// acknowledged as a duplicate after a lost answer, whose records are reported at made-up offsets
/// (base -1 from the mock cluster, -1001 for DUPLICATE_SEQUENCE_NUMBER; DuplicateProduceTests shows the first).
/// Whatever the mix, the writer is told an event's offset only when it is the real one of the latest event.
/// </summary>
public sealed class DeliveredEventsTests(ITestOutputHelper output)
{
    [Fact]
    public void the_latest_event_is_known_only_with_its_real_offset()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var random = new Random(seed);
        for (var run = 0; run < 200; run++)
        {
            // A recovered log (or none), then requests of 1 to 30 records, a marker after some.
            long next = random.Next(2) == 0 ? 0 : random.Next(0, 40);
            var recovered = next == 0 ? null : new LastEvent(next - 1, [0]);
            var delivered = new DeliveredEvents(recovered);
            var madeUp = 0;
            for (var request = 0; request < 30; request++)
            {
                var records = random.Next(1, 31);
                var duplicate = random.Next(4) == 0;
                var fakeBase = random.Next(2) == 0 ? -1 : -1001;
                byte[]? latestValue = null;
                for (var i = 0; i < records; i++) delivered.Produced();
                Assert.False(delivered.Now().AllReported, $"seed {seed} run {run}: reports outstanding");
                for (var i = 0; i < records; i++)
                {
                    latestValue = BitConverter.GetBytes(next);
                    var reported = duplicate ? fakeBase + i : next;
                    var said = delivered.Reported(reported, latestValue);
                    Assert.True(said == ReportedOffset.Known != duplicate,
                        $"seed {seed} run {run}: offset {reported} of the event at {next} taken as {said}");
                    next++;
                }
                if (duplicate) madeUp++;
                var (allReported, latest) = delivered.Now();
                Assert.True(allReported, $"seed {seed} run {run}: every report in");
                if (duplicate) Assert.Null(latest);
                else
                {
                    Assert.NotNull(latest);
                    Assert.Equal(next - 1, latest.Offset);
                    Assert.Equal(latestValue, latest.Value);
                }
                if (random.Next(3) == 0) next++; // the commit's marker takes an offset
            }
            if (run == 0) output.WriteLine($"run 0: {madeUp} of 30 requests acknowledged as duplicates");
        }
    }

    [Fact]
    public void a_report_before_any_of_the_run_is_known_is_made_up()
    {
        var delivered = new DeliveredEvents(new LastEvent(10, [1]));
        delivered.Produced();
        delivered.Produced();
        Assert.Equal(ReportedOffset.MadeUp, delivered.Reported(-1, [2]));
        Assert.Equal(ReportedOffset.MadeUpAgain, delivered.Reported(0, [3]));
        Assert.Equal((true, (LastEvent?)null), delivered.Now());
        delivered.Produced();
        // The two before stand at 11 and 12 at least, so 12 is made up too; 13 is the next one's.
        Assert.Equal(ReportedOffset.MadeUpAgain, delivered.Reported(12, [4]));
        delivered.Produced();
        Assert.Equal(ReportedOffset.Known, delivered.Reported(14, [5]));
        Assert.Equal(14, delivered.Now().Latest!.Offset);
    }
}
