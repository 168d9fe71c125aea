using Ledger.Api.Writer;
using Ledger.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Ledger.Tests.Writer;

/// <summary>The writer's guard against a librdkafka transaction call that never returns (librdkafka #5456).</summary>
public sealed class TransactionWatchdogTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    [Fact]
    public void the_limit_must_be_below_the_groups_session_timeout()
    {
        // A writer cut off from the brokers inside a transaction must have ended before the group can give
        // its partitions to another writer; where no broker fences it, its commit could land after theirs.
        Assert.Empty(new WriterOptions { TransactionCallStuckAfter = WriterOptions.TransactionCallStuckAfterMax }.Errors());
        Assert.True(WriterOptions.TransactionCallStuckAfterMax < TimeSpan.FromMilliseconds(Ledger.Kafka.KafkaTimeouts.SessionTimeoutMs));
        var errors = new WriterOptions { TransactionCallStuckAfter = TimeSpan.FromMilliseconds(Ledger.Kafka.KafkaTimeouts.SessionTimeoutMs) }.Errors();
        Assert.Contains(errors, error => error.StartsWith("Writer:TransactionCallStuckAfter must be between 1 s and 5 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_call_that_outlives_the_limit_leaves_the_group_then_ends_the_process_with_75()
    {
        var steps = new List<string>();
        var exited = new TaskCompletionSource<int>();
        using var watchdog = new TransactionWatchdog(Limit, NullLogger.Instance, code =>
        {
            lock (steps) steps.Add("exit");
            exited.TrySetResult(code);
        });
        watchdog.LeaveGroupWith(() => { lock (steps) steps.Add("leave group"); });

        var call = watchdog.Around("send offsets to transaction"); // never disposed: the call is stuck
        var code = await exited.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WriterGroupMember.StuckExitCode, code);
        lock (steps) Assert.Equal(["leave group", "exit"], steps);
        call.Dispose();
    }

    [Fact]
    public async Task calls_that_return_within_the_limit_never_end_the_process()
    {
        var exits = 0;
        using var watchdog = new TransactionWatchdog(Limit, NullLogger.Instance, _ => Interlocked.Increment(ref exits));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Short calls, one after another, for three times the limit: the watchdog times each call, not their sum.
        while (clock.Elapsed < 3 * Limit)
        {
            using (watchdog.Around("commit transaction")) await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        // And then nothing in a call for longer than the limit.
        await Task.Delay(2 * Limit); // the time that passes is what is tested here, not a synchronisation
        Assert.Equal(0, Volatile.Read(ref exits));
    }
}
