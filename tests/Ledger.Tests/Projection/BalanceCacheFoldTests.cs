using Ledger.Domain.Accounts;
using Ledger.Projector.Projection;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Projection;

public sealed class BalanceCacheFoldTests(ITestOutputHelper output)
{
    [Fact]
    public void each_published_balance_is_the_one_of_the_users_last_event_in_the_batch_and_names_where_that_event_is()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var batch = GeneratedStream.Generate(seed, commands: 200, days: 3);

        var changes = BalanceCache.Fold(batch);

        Assert.NotEmpty(changes.Published);
        foreach (var (account, published) in changes.Published)
        {
            var last = batch.Last(e => e.Message.Event.Request.UserId == account.UserId
                                       && e.Message.BalancesAfter.Any(b => b.Asset == account.Asset));
            Assert.Equal(last.Message.BalancesAfter.Single(b => b.Asset == account.Asset).Balance, published);
            // What a drift message says, so that the event can be found in the log afterwards.
            Assert.Equal($"{last.Message.Event.GetType().Name} of command {last.Message.Event.Request.CommandId} " +
                         $"at ledger.events partition {last.Partition} offset {last.Offset}", changes.PublishedBy[account]);
        }
    }
}
