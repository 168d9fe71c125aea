using Ledger.Api.Writer;
using Ledger.Domain;
using Xunit;

namespace Ledger.Tests.Writer;

/// <summary>The in-process hand-off between the edge and its own writer: a command is taken by the writer
/// or withdrawn by the edge, never both, and one the writer never took ends as not taken (so the edge
/// may send it by Kafka without it ever being decided twice).</summary>
public sealed class WriterInboxTests
{
    private static HandedCommand Deposit(string key) =>
        new(new Deposit(new Request(Guid.NewGuid(), "alice", key, "fingerprint"), "USD", 100), partition: 0, correlationId: key, trace: null);

    [Fact]
    public void the_writer_takes_commands_in_the_order_they_were_handed_up_to_its_batch_size()
    {
        var inbox = new WriterInbox();
        var handed = Enumerable.Range(0, 5).Select(i => Deposit($"k{i}")).ToList();
        foreach (var command in handed) inbox.Hand(command);

        var batch = new List<HandedCommand>();
        inbox.TakeInto(batch, countMax: 3);
        Assert.Equal(handed.Take(3), batch);
        inbox.TakeInto(batch, countMax: 10);
        Assert.Equal(handed, batch);
    }

    [Fact]
    public void a_command_withdrawn_by_the_edge_is_never_taken_and_one_taken_cannot_be_withdrawn()
    {
        var inbox = new WriterInbox();
        var withdrawn = Deposit("withdrawn");
        var taken = Deposit("taken");
        inbox.Hand(withdrawn);
        inbox.Hand(taken);

        Assert.True(withdrawn.TryWithdraw());
        var batch = new List<HandedCommand>();
        inbox.TakeInto(batch, countMax: 10);

        Assert.Equal([taken], batch);
        Assert.False(taken.TryWithdraw());
        Assert.False(withdrawn.Ended.IsCompleted); // the edge answers a withdrawn command itself
    }

    [Fact]
    public async Task commands_waiting_when_the_writer_stops_end_as_not_taken_and_can_no_longer_be_taken()
    {
        var inbox = new WriterInbox();
        var waiting = Deposit("waiting");
        inbox.Hand(waiting);

        inbox.RefuseWaiting();

        Assert.Equal(HandOffEnd.NotTaken, await waiting.Ended.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(waiting.TryWithdraw());
        var batch = new List<HandedCommand>();
        inbox.TakeInto(batch, countMax: 10);
        Assert.Empty(batch);
    }

    [Fact]
    public async Task a_hand_wakes_the_waiting_writer_long_before_its_wait_ends()
    {
        var inbox = new WriterInbox();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var writer = Task.Factory.StartNew(() => inbox.WaitForCommands(TimeSpan.FromMinutes(1)), TaskCreationOptions.LongRunning);
        // Handed over and over until the writer wakes, so the test does not depend on when it began to wait.
        while (!writer.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            inbox.Hand(Deposit($"wake-{started.ElapsedTicks}"));
            await Task.WhenAny(writer, Task.Delay(10));
        }
        Assert.True(writer.IsCompleted, "the writer woke within 30 s of a one-minute wait");
    }

    [Fact]
    public void the_writers_look_at_the_command_log_is_between_1_and_100_ms()
    {
        Assert.Empty(new WriterOptions().Errors());
        foreach (var wrong in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(0.5), TimeSpan.FromMilliseconds(101) })
            Assert.Contains("Writer:CommandLogPollInterval must be between 1 and 100 ms", new WriterOptions { CommandLogPollInterval = wrong }.Errors());
    }

    [Fact]
    public void the_shortest_time_between_two_transactions_is_between_0_and_50_ms()
    {
        foreach (var right in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(50) })
            Assert.Empty(new WriterOptions { TransactionIntervalMin = right }.Errors());
        foreach (var wrong in new[] { TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(51) })
            Assert.Contains("Writer:TransactionIntervalMin must be between 0 and 50 ms", new WriterOptions { TransactionIntervalMin = wrong }.Errors());
    }
}
