using Ledger.LoadGenerator.Load;
using Xunit;

namespace Ledger.Tests.Bench;

/// <summary>The bench's CPU breakdown by thread group is only as good as its reading of thread names.</summary>
public sealed class ThreadGroupsTests
{
    [Theory]
    // Names as /proc/PID/task/TID/comm showed them in a running Api, local Kafka, baseline and load generator.
    [InlineData("rdk:main", ThreadGroup.Librdkafka)]
    [InlineData("rdk:broker1", ThreadGroup.Librdkafka)]
    [InlineData("rdk:broker-1", ThreadGroup.Librdkafka)]
    [InlineData("rdk:bg", ThreadGroup.Librdkafka)]
    [InlineData("rdk:mock", ThreadGroup.Librdkafka)]
    [InlineData("ledger-writer-0", ThreadGroup.PartitionWriters)]
    [InlineData("ledger-writer-1", ThreadGroup.PartitionWriters)] // ledger-writer-11, cut to 15 characters
    [InlineData("ledger-writer3", ThreadGroup.PartitionWriters)] // the rewrite may drop the dash
    [InlineData(".NET TP Worker", ThreadGroup.ThreadPool)]
    [InlineData(".NET TP Gate", ThreadGroup.ThreadPool)]
    [InlineData(".NET ThreadPool", ThreadGroup.ThreadPool)]
    [InlineData(".NET Sockets", ThreadGroup.ThreadPool)]
    [InlineData(".NET Timer", ThreadGroup.ThreadPool)]
    [InlineData(".NET Long Runni", ThreadGroup.LongRunningTasks)]
    [InlineData(".NET Server GC", ThreadGroup.GarbageCollector)]
    [InlineData(".NET BGC", ThreadGroup.GarbageCollector)]
    [InlineData(".NET Tiered Com", ThreadGroup.Jit)]
    [InlineData("dotnet", ThreadGroup.Other)]
    [InlineData(".NET Finalizer", ThreadGroup.Other)]
    [InlineData(".NET SynchManag", ThreadGroup.Other)]
    [InlineData("Kestrel Timer", ThreadGroup.Other)]
    [InlineData("Console logger ", ThreadGroup.Other)]
    [InlineData("", ThreadGroup.Other)]
    public void a_thread_belongs_to_the_group_its_name_starts_with(string threadName, ThreadGroup expected) =>
        Assert.Equal(expected, ThreadGroups.Of(threadName));

    [Fact]
    public void a_window_counts_what_each_thread_spent_in_it_by_its_last_name()
    {
        var atStart = new Dictionary<int, ThreadTicks>
        {
            [10] = new("rdk:main", 100),
            [11] = new("ledger-writer-0", 50),
            [12] = new(".NET TP Worker", 7), // ends in the window: keeps what it had at its last sample
            [13] = new("dotnet", 0), // renamed after it started: counts under its newest name
        };
        var lastSeen = new Dictionary<int, ThreadTicks>
        {
            [10] = new("rdk:main", 130),
            [11] = new("ledger-writer-0", 90),
            [12] = new(".NET TP Worker", 9),
            [13] = new(".NET TP Worker", 4),
            [14] = new("rdk:broker1", 25), // started in the window: all of its time is the window's
        };

        var ticks = ThreadGroups.TicksByGroup(atStart, lastSeen);

        Assert.Equal(30 + 25, ticks[ThreadGroup.Librdkafka]);
        Assert.Equal(40, ticks[ThreadGroup.PartitionWriters]);
        Assert.Equal(2 + 4, ticks[ThreadGroup.ThreadPool]);
        Assert.Equal(0, ticks[ThreadGroup.Other]);
        Assert.Equal(Enum.GetValues<ThreadGroup>().Length, ticks.Count); // every group, even an empty one
    }

    [Fact]
    public void a_reused_thread_id_with_fewer_ticks_than_at_the_start_is_a_new_thread()
    {
        var atStart = new Dictionary<int, ThreadTicks> { [20] = new(".NET TP Worker", 500) };
        var lastSeen = new Dictionary<int, ThreadTicks> { [20] = new("rdk:bg", 3) };

        var ticks = ThreadGroups.TicksByGroup(atStart, lastSeen);

        Assert.Equal(3, ticks[ThreadGroup.Librdkafka]);
        Assert.Equal(0, ticks[ThreadGroup.ThreadPool]);
    }

    [Fact]
    public void librdkafka_instances_are_counted_by_their_main_threads()
    {
        string[] api = ["dotnet", "rdk:main", "rdk:broker1", "rdk:broker-1", "rdk:main", "rdk:broker2", "ledger-writer-0", ".NET TP Worker"];

        Assert.Equal(2, ThreadGroups.LibrdkafkaInstances(api));
        Assert.Equal(5, ThreadGroups.LibrdkafkaThreads(api));
        Assert.Equal(0, ThreadGroups.LibrdkafkaInstances(["dotnet", ".NET TP Worker"]));
    }
}
