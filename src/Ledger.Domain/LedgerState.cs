using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;

namespace Ledger.Domain;

/// <summary>
/// The state one partition writer holds: its users' balances and the requests it remembers.
/// It is owned by exactly one thread, so it needs no lock; it changes only through
/// <see cref="LedgerDecider.Evolve"/>. Balances are immutable values replaced on each change.
/// </summary>
public sealed class LedgerState(TimeSpan idempotencyWindow)
{
    private readonly Dictionary<AccountKey, Balance> _balances = new();

    public LedgerState() : this(IdempotencyMemory.WindowDefault) { }

    public IdempotencyMemory Requests { get; } = new(idempotencyWindow);

    /// <summary>How many events this state has been built from.</summary>
    public long EventsApplied { get; internal set; }

    public int AccountCount => _balances.Count;

    public IEnumerable<KeyValuePair<AccountKey, Balance>> Balances => _balances;

    public Balance BalanceOf(string userId, string asset) =>
        _balances.TryGetValue(new AccountKey(userId, asset), out var balance) ? balance : default;

    internal void SetBalance(AccountKey account, Balance balance) => _balances[account] = balance;
}
