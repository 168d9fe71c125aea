using Ledger.Domain;
using Ledger.Domain.Idempotency;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Domain;

/// <summary>The idempotency memory is an open-addressing table over a ring (see its remarks); these
/// check it against a plain dictionary through growth, forgetting and repeats.</summary>
public sealed class IdempotencyMemoryTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void remembers_exactly_the_keys_of_its_window_like_a_dictionary_would()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_TEST_SEED"), out var given) ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED replays it)");
        var random = new Random(seed);
        var window = TimeSpan.FromSeconds(5_000);
        var memory = new IdempotencyMemory(window);
        var model = new Dictionary<(string UserId, string Key), (LedgerEvent First, DateTimeOffset At)>();
        var addedInOrder = new Queue<(string UserId, string Key)>();
        var keysUsed = new List<(string UserId, string Key)>();
        var at = Start;

        for (var step = 0; step < 40_000; step++)
        {
            // Time stands still now and then, and jumps past the whole window once in a while.
            at = at.AddSeconds(random.Next(10) == 0 ? 0 : random.Next(100) == 0 ? 6_000 : 1);
            var (userId, key) = keysUsed.Count > 0 && random.Next(10) == 0
                ? keysUsed[random.Next(keysUsed.Count)]
                : ($"user-{random.Next(300)}", $"key-{step}");
            keysUsed.Add((userId, key));
            var @event = new Deposited(new Request(Guid.NewGuid(), userId, key, "fingerprint"), at, "USD", 1 + step);

            memory.Remember(@event, [new AssetBalance("USD", new Ledger.Domain.Accounts.Balance(step, 0))]);
            if (model.TryAdd((userId, key), (@event, at))) addedInOrder.Enqueue((userId, key));
            while (addedInOrder.TryPeek(out var oldest) && model[oldest].At < at - window) model.Remove(addedInOrder.Dequeue());

            Assert.True(model.Count == memory.Count, $"seed {seed}, step {step}: remembers {memory.Count} keys, expected {model.Count}");
            for (var probe = 0; probe < 3; probe++)
            {
                var (probeUser, probeKey) = keysUsed[random.Next(keysUsed.Count)];
                var expected = model.TryGetValue((probeUser, probeKey), out var first);
                Assert.True(expected == memory.Contains(probeUser, probeKey), $"seed {seed}, step {step}: {probeUser}/{probeKey}");
                if (!expected) continue;
                Assert.True(memory.TryRecall(probeUser, probeKey, out var recalled));
                Assert.Same(first.First, recalled.FirstEvent);
            }
        }
    }

    [Fact]
    public void a_request_changed_with_with_is_looked_up_under_its_new_key()
    {
        var memory = new IdempotencyMemory(TimeSpan.FromHours(1));
        var request = new Request(Guid.NewGuid(), "alice", "key-1", "fingerprint");
        memory.Remember(new Deposited(request, Start, "USD", 1), []);

        var otherKey = request with { IdempotencyKey = "key-2" };
        var otherUser = request with { UserId = "bob" };
        var sameAgain = request with { Fingerprint = "another body" };

        Assert.True(memory.Contains(request.UserId, request.IdempotencyKey));
        Assert.False(memory.Contains(otherKey.UserId, otherKey.IdempotencyKey));
        Assert.False(memory.Contains(otherUser.UserId, otherUser.IdempotencyKey));
        memory.Remember(new Deposited(otherKey, Start, "USD", 2), []);
        memory.Remember(new Deposited(otherUser, Start, "USD", 3), []);
        memory.Remember(new Deposited(sameAgain, Start, "USD", 4), []);
        Assert.Equal(3, memory.Count);
        Assert.Equal(request, otherKey with { IdempotencyKey = "key-1" });
    }
}
