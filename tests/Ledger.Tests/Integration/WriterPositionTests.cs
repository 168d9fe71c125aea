using System.Net;
using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>A writer's position in ledger.commands comes from its own records (the command offset on
/// each event and reply), not from the group's committed offset, which librdkafka's mock cluster
/// drops: so the edge's lag is right there, and a restarted writer decides no command twice.</summary>
public sealed class WriterPositionTests
{
    [Fact]
    public async Task more_commands_than_the_lag_limit_pass_through_one_partition_and_it_still_takes_commands()
    {
        const int lagMax = 20;
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, environment: new Dictionary<string, string>
        {
            ["Commands__PartitionLagMax"] = lagMax.ToString(),
            ["Commands__LagSampleInterval"] = "00:00:00.100",
            // By ledger.commands, as from an edge without writers: a command handed in process is on no log.
            ["Commands__DecideInProcess"] = "false",
        });
        // One after another: the writer is never behind by more than one command.
        for (var i = 0; i < 3 * lagMax; i++)
        {
            var answer = await ledger.Send("/v1/deposits", new { userId = "steady", asset = "USD", amount = "1.00" }, $"steady-{i}");
            Assert.True(answer.Status == HttpStatusCode.Created, $"deposit {i} of {3 * lagMax}: {(int)answer.Status} {answer.Body}\n{ledger.Logs}");
        }
    }

    [Fact]
    public async Task a_writer_restarted_after_the_idempotency_window_decides_no_old_command_again()
    {
        var window = TimeSpan.FromSeconds(2);
        await using var ledger = await RunningLedger.Start(partitions: 1, brokers: 1, separateWriter: true,
            environment: new Dictionary<string, string> { ["Writer__IdempotencyWindow"] = window.ToString() });
        var first = await ledger.SendUntilDecided("/v1/deposits", new { userId = "old", asset = "USD", amount = "5.00" }, "old-1", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var decidedAt = DateTimeOffset.UtcNow;

        // Past the window, the first deposit's key is forgotten: a writer that read ledger.commands
        // from its start again would decide that deposit a second time.
        await Eventually.Until(() => Task.FromResult(DateTimeOffset.UtcNow > decidedAt + window + TimeSpan.FromSeconds(1)),
            TimeSpan.FromSeconds(30), "the idempotency window passes");
        ledger.Writer!.Kill();
        await ledger.StartWriter();
        var after = await ledger.SendUntilDecided("/v1/deposits", new { userId = "old", asset = "USD", amount = "1.00" }, "old-2", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Created, after.Status);

        Assert.Equal("6.00", after.Body.GetProperty("balance").GetProperty("available").GetString());
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events where user_id = 'old'") == 2,
            TimeSpan.FromSeconds(30), $"both deposits are projected\n{ledger.Logs}");
        Assert.Equal(1, await ledger.Postgres.Scalar<long>("select count(*) from events where idempotency_key = 'old-1'"));
    }
}
