using System.Runtime.CompilerServices;

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
/// <remarks>
/// Every command looks a key up here, every decision remembers one, and each forgets the oldest once
/// the memory is at its window: the writer's hottest table, and far bigger than the processor's cache.
/// So it is two arrays rather than a dictionary of strings and a queue:
/// - the remembered requests in the order they were decided, a ring indexed by a running sequence
///   number (the oldest is forgotten first, so the ring only ever loses its head);
/// - an open-addressing table (linear probing, at most half full) of slots holding each key's hash
///   (computed at the edge, <see cref="Request.KeyHash"/>) and its sequence number. A lookup reads
///   one slot, usually in one cache line, and compares strings only when the hashes are equal, so a
///   new key costs no string comparison and two keys with one hash are never taken for one.
/// </remarks>
public sealed class IdempotencyMemory(TimeSpan window)
{
    public static readonly TimeSpan WindowDefault = TimeSpan.FromHours(24);

    private const int CapacityInitial = 1024;

    // The first event and the balances after it, kept inline: every command adds an entry, and each
    // object kept for 24 h is one more the collector must promote and trace. The reply path, which
    // needs a RememberedRequest, is rare. The Request is the first event's own.
    private struct Entry
    {
        public LedgerEvent FirstEvent;
        public AssetBalances BalancesAfter;
        public long AtUtcTicks;
        public int KeyHash;
    }

    /// <summary>A key's place in the ring: Sequence + 1, so that 0 means an empty slot.</summary>
    private struct Slot
    {
        public long SequencePlusOne;
        public int KeyHash;
    }

    private Entry[] _ring = new Entry[CapacityInitial];
    private Slot[] _slots = new Slot[CapacityInitial * 2];
    private long _oldestSequence;
    private long _nextSequence;

    public TimeSpan Window { get; } = window > TimeSpan.Zero
        ? window
        : throw new ArgumentOutOfRangeException(nameof(window), "the idempotency window must be positive");

    public int Count => (int)(_nextSequence - _oldestSequence);

    public bool TryRecall(string userId, string key, out RememberedRequest remembered)
    {
        if (!TryFind(userId, key, Request.KeyHashOf(userId, key), out var slot))
        {
            remembered = null!;
            return false;
        }
        ref var first = ref EntryAt(_slots[slot].SequencePlusOne - 1);
        remembered = new RememberedRequest(first.FirstEvent.Request, first.FirstEvent, first.BalancesAfter.ToArray());
        return true;
    }

    /// <summary>The requests remembered, oldest first: the order in which to remember them again. A
    /// copy of the ring (the events in it are immutable), so it costs the owner's thread one copy of
    /// an array; each <see cref="RememberedRequest"/> is made when read, on whichever thread reads.</summary>
    public IReadOnlyList<RememberedRequest> InOrder()
    {
        var entries = new Entry[Count];
        for (var i = 0; i < entries.Length;)
        {
            var start = (int)((_oldestSequence + i) & (_ring.Length - 1));
            var run = Math.Min(entries.Length - i, _ring.Length - start);
            Array.Copy(_ring, start, entries, i, run);
            i += run;
        }
        return new RememberedInOrder(entries);
    }

    private sealed class RememberedInOrder(Entry[] entries) : IReadOnlyList<RememberedRequest>
    {
        public int Count => entries.Length;

        public RememberedRequest this[int index]
        {
            get
            {
                ref var entry = ref entries[index];
                return new RememberedRequest(entry.FirstEvent.Request, entry.FirstEvent, entry.BalancesAfter.ToArray());
            }
        }

        public IEnumerator<RememberedRequest> GetEnumerator()
        {
            for (var i = 0; i < entries.Length; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Makes room for this many requests at once, so that restoring a snapshot does not grow
    /// the tables step by step.</summary>
    internal void Reserve(int count)
    {
        if (count <= _ring.Length - Count) return;
        var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(Count + count));
        ResizeRing(capacity);
        Rehash(capacity * 2);
    }

    /// <summary>True when the key is remembered; allocates nothing.</summary>
    public bool Contains(string userId, string key) => TryFind(userId, key, Request.KeyHashOf(userId, key), out _);

    /// <summary>Contains, with the hash the request already carries.</summary>
    internal bool Contains(Request request) => TryFind(request.UserId, request.IdempotencyKey, request.KeyHash, out _);

    public void Remember(LedgerEvent firstEvent, IReadOnlyList<AssetBalance> balancesAfter)
    {
        var balances = new AssetBalances();
        foreach (var balance in balancesAfter) balances.Add(balance);
        Remember(firstEvent, balances);
    }

    /// <summary>Remembers the event's key unless it is remembered already (the first outcome stands),
    /// then forgets the keys older than the window before this event.</summary>
    internal void Remember(LedgerEvent firstEvent, in AssetBalances balancesAfter)
    {
        Add(firstEvent, balancesAfter);
        ForgetOlderThan((firstEvent.At - Window).UtcTicks);
    }

    /// <summary>Puts back a request that <see cref="InOrder"/> listed, forgetting nothing: the list is
    /// exactly what was remembered, even where event times went backwards.</summary>
    // Runs seldom, once per request of a snapshot: compiled optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool RememberAgain(RememberedRequest remembered)
    {
        var balances = new AssetBalances();
        foreach (var balance in remembered.BalancesAfter) balances.Add(balance);
        return Add(remembered.FirstEvent, balances);
    }

    /// <summary>False when the key is remembered already (the first outcome stands).</summary>
    private bool Add(LedgerEvent firstEvent, in AssetBalances balancesAfter)
    {
        var request = firstEvent.Request;
        if (!TryFind(request.UserId, request.IdempotencyKey, request.KeyHash, out var emptySlot))
        {
            if (Count == _ring.Length) GrowRing();
            var sequence = _nextSequence++;
            EntryAt(sequence) = new Entry
            {
                FirstEvent = firstEvent, BalancesAfter = balancesAfter, AtUtcTicks = firstEvent.At.UtcTicks, KeyHash = request.KeyHash,
            };
            _slots[emptySlot] = new Slot { SequencePlusOne = sequence + 1, KeyHash = request.KeyHash };
            if (Count * 2 > _slots.Length) Rehash(_slots.Length * 2);
            return true;
        }
        return false;
    }

    /// <summary>Finds the key's slot (true), or the empty slot where it would go (false).</summary>
    private bool TryFind(string userId, string key, int keyHash, out int slot)
    {
        var mask = _slots.Length - 1;
        for (slot = keyHash & mask; ; slot = (slot + 1) & mask)
        {
            ref readonly var candidate = ref _slots[slot];
            if (candidate.SequencePlusOne == 0) return false;
            if (candidate.KeyHash != keyHash) continue;
            var remembered = EntryAt(candidate.SequencePlusOne - 1).FirstEvent.Request;
            if (string.Equals(remembered.UserId, userId, StringComparison.Ordinal)
                && string.Equals(remembered.IdempotencyKey, key, StringComparison.Ordinal)) return true;
        }
    }

    private ref Entry EntryAt(long sequence) => ref _ring[(int)(sequence & (_ring.Length - 1))];

    private void ForgetOlderThan(long cutoffUtcTicks)
    {
        while (Count > 0 && EntryAt(_oldestSequence).AtUtcTicks < cutoffUtcTicks)
        {
            ref var oldest = ref EntryAt(_oldestSequence);
            RemoveSlot(oldest.KeyHash, _oldestSequence);
            oldest = default; // lets the collector have the event
            _oldestSequence++;
        }
    }

    /// <summary>Empties the slot of one sequence number and moves later slots of the same probe run
    /// back into the gap (backward-shift deletion), so lookups never need tombstones.</summary>
    private void RemoveSlot(int keyHash, long sequence)
    {
        var mask = _slots.Length - 1;
        var gap = keyHash & mask;
        while (_slots[gap].SequencePlusOne != sequence + 1)
        {
            if (_slots[gap].SequencePlusOne == 0)
                throw new LedgerInvariantViolation($"idempotency memory lost the slot of sequence {sequence}");
            gap = (gap + 1) & mask;
        }
        for (var next = (gap + 1) & mask; _slots[next].SequencePlusOne != 0; next = (next + 1) & mask)
        {
            var home = _slots[next].KeyHash & mask;
            // The slot at `next` may move to the gap only if its home is not between the gap and it.
            var homeBetween = gap <= next ? gap < home && home <= next : gap < home || home <= next;
            if (homeBetween) continue;
            _slots[gap] = _slots[next];
            gap = next;
        }
        _slots[gap] = default;
    }

    private void GrowRing() => ResizeRing(_ring.Length * 2);

    /// <summary>A larger ring (a power of two). Entries keep their sequence numbers (so the slots stay
    /// valid) and move to their index in the larger ring.</summary>
    private void ResizeRing(int capacity)
    {
        var old = _ring;
        _ring = new Entry[capacity];
        for (var sequence = _oldestSequence; sequence < _nextSequence; sequence++)
            EntryAt(sequence) = old[(int)(sequence & (old.Length - 1))];
    }

    private void Rehash(int slotCount)
    {
        _slots = new Slot[slotCount];
        var mask = slotCount - 1;
        for (var sequence = _oldestSequence; sequence < _nextSequence; sequence++)
        {
            var keyHash = EntryAt(sequence).KeyHash;
            var slot = keyHash & mask;
            while (_slots[slot].SequencePlusOne != 0) slot = (slot + 1) & mask;
            _slots[slot] = new Slot { SequencePlusOne = sequence + 1, KeyHash = keyHash };
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
