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

    // The value is a struct, not a RememberedRequest, and the balances sit in it rather than in an
    // array of their own: every command adds a key, and each object kept for 24 h is one more the
    // collector must promote and trace. The reply path, which needs a RememberedRequest, is rare.
    // The Request is the first event's own.
    private readonly Dictionary<(string UserId, string Key), (LedgerEvent FirstEvent, AssetBalances BalancesAfter)> _byKey = new();
    private readonly Queue<(long AtUtcTicks, string UserId, string Key)> _byAge = new();

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
        remembered = new RememberedRequest(first.FirstEvent.Request, first.FirstEvent, first.BalancesAfter.ToArray());
        return true;
    }

    /// <summary>True when the key is remembered; allocates nothing.</summary>
    public bool Contains(string userId, string key) => _byKey.ContainsKey((userId, key));

    public void Remember(LedgerEvent firstEvent, IReadOnlyList<AssetBalance> balancesAfter)
    {
        var balances = new AssetBalances();
        foreach (var balance in balancesAfter) balances.Add(balance);
        Remember(firstEvent, balances);
    }

    internal void Remember(LedgerEvent firstEvent, in AssetBalances balancesAfter)
    {
        var request = firstEvent.Request;
        if (_byKey.TryAdd((request.UserId, request.IdempotencyKey), (firstEvent, balancesAfter)))
            _byAge.Enqueue((firstEvent.At.UtcTicks, request.UserId, request.IdempotencyKey));
        ForgetOlderThan((firstEvent.At - Window).UtcTicks);
    }

    private void ForgetOlderThan(long cutoffUtcTicks)
    {
        while (_byAge.TryPeek(out var oldest) && oldest.AtUtcTicks < cutoffUtcTicks)
        {
            _byAge.Dequeue();
            _byKey.Remove((oldest.UserId, oldest.Key));
        }
    }
}

/// <summary>
/// A user's balances in the assets an event touched, without an array: an event touches at most
/// two of its user's assets (a fill: what was given and what was received), so two are kept inline;
/// more, should an event ever have them, go to an array.
/// </summary>
internal struct AssetBalances
{
    private AssetBalance _first;
    private AssetBalance _second;
    private AssetBalance[]? _more;

    public int Count { get; private set; }

    public void Add(AssetBalance balance)
    {
        switch (Count)
        {
            case 0: _first = balance; break;
            case 1: _second = balance; break;
            default:
                if (_more is null || Count - 2 == _more.Length) Array.Resize(ref _more, Math.Max(2, (Count - 2) * 2));
                _more[Count - 2] = balance;
                break;
        }
        Count++;
    }

    public readonly bool Contains(string asset)
    {
        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(this[i].Asset, asset, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public readonly AssetBalance this[int index] => index switch
    {
        0 => _first,
        1 => _second,
        _ => _more![index - 2],
    };

    public readonly AssetBalance[] ToArray()
    {
        var all = new AssetBalance[Count];
        for (var i = 0; i < Count; i++) all[i] = this[i];
        return all;
    }
}
