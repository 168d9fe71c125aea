namespace Ledger.Domain.Idempotency;

/// <summary>What the ledger remembers of a request it has decided: enough to answer a repeat with
/// the first outcome, and to refuse the same key carrying a different body.</summary>
public sealed record RememberedRequest(Request Request, LedgerEvent FirstEvent, IReadOnlyList<AssetBalance> BalancesAfter);

/// <summary>A user's balance in one asset, as it stood right after an event.</summary>
public readonly record struct AssetBalance(string Asset, Accounts.Balance Balance);

/// <summary>
/// The idempotency keys one partition has seen, per user, for a window of event time (default 24 h).
/// Built only from events, so a writer that replays its partition remembers exactly what its
/// predecessor remembered. Time is the events' own, never a clock.
/// </summary>
public sealed class IdempotencyMemory(TimeSpan window)
{
    public static readonly TimeSpan WindowDefault = TimeSpan.FromHours(24);

    // The value is a struct, not a RememberedRequest: one object less per remembered key, on a path
    // every command takes. The Request is the first event's own.
    private readonly Dictionary<(string UserId, string Key), (LedgerEvent FirstEvent, IReadOnlyList<AssetBalance> BalancesAfter)> _byKey =
        new();
    private readonly Queue<(DateTimeOffset At, string UserId, string Key)> _byAge = new();

    public TimeSpan Window { get; } = window > TimeSpan.Zero
        ? window
        : throw new ArgumentOutOfRangeException(nameof(window), "the idempotency window must be positive");

    public int Count => _byKey.Count;

    public bool TryRecall(string userId, string key, out RememberedRequest remembered)
    {
        if (!_byKey.TryGetValue((userId, key), out var first))
        {
            remembered = null!;
            return false;
        }
        remembered = new RememberedRequest(first.FirstEvent.Request, first.FirstEvent, first.BalancesAfter);
        return true;
    }

    /// <summary>True when the key is remembered; allocates nothing.</summary>
    public bool Contains(string userId, string key) => _byKey.ContainsKey((userId, key));

    public void Remember(LedgerEvent firstEvent, IReadOnlyList<AssetBalance> balancesAfter)
    {
        var request = firstEvent.Request;
        if (_byKey.TryAdd((request.UserId, request.IdempotencyKey), (firstEvent, balancesAfter)))
            _byAge.Enqueue((firstEvent.At, request.UserId, request.IdempotencyKey));
        ForgetOlderThan(firstEvent.At - Window);
    }

    private void ForgetOlderThan(DateTimeOffset cutoff)
    {
        while (_byAge.TryPeek(out var oldest) && oldest.At < cutoff)
        {
            _byAge.Dequeue();
            _byKey.Remove((oldest.UserId, oldest.Key));
        }
    }
}
