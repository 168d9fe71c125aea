using System.Diagnostics.CodeAnalysis;
using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Domain;

/// <summary>
/// The state one partition writer holds: its users' balances, orders, applied fills and transfer
/// steps, and the requests it remembers. It is owned by exactly one thread, so it needs no lock; it
/// changes only through <see cref="LedgerDecider.Evolve"/>. Balances and orders are immutable values
/// replaced on each change.
/// Orders (closed ones too), fill ids and transfer ids are kept for the partition's lifetime so an
/// id can never be used twice. Order and transfer ids are their user's own (no partition could check
/// them against every other user's), so they are remembered by (owner, id). Compacting closed orders into bare ids is left for when it matters.
/// </summary>
public sealed class LedgerState(TimeSpan idempotencyWindow, MarketCatalog markets)
{
    // Keyed by the user id alone: a string key gets .NET's fast non-randomized string hash (it
    // switches to a randomized one by itself if keys collide too often), and an event's postings
    // touch one user, so Evolve hashes once per event rather than once per posting.
    private readonly Dictionary<string, UserAccounts> _accounts = new();
    private int _accountCount;
    private UserAccounts? _lastUser;
    private readonly Dictionary<(string FromUserId, string TransferId), TransferDebited> _debitedTransfers = new();
    private readonly HashSet<(string FromUserId, string TransferId)> _decidedCredits = new();
    private readonly HashSet<(string FromUserId, string TransferId)> _refundedTransfers = new();

    public LedgerState() : this(IdempotencyMemory.WindowDefault) { }

    public LedgerState(TimeSpan idempotencyWindow) : this(idempotencyWindow, MarketCatalog.Default) { }

    public IdempotencyMemory Requests { get; } = new(idempotencyWindow);

    public MarketCatalog Markets { get; } = markets;

    /// <summary>How many events this state has been built from.</summary>
    public long EventsApplied { get; internal set; }

    public int AccountCount => _accountCount;

    public IEnumerable<KeyValuePair<AccountKey, Balance>> Balances => _accounts.Values.SelectMany(user => user.All());

    public IEnumerable<Order> Orders => _accounts.Values.SelectMany(user => user.Orders);

    public Balance BalanceOf(string userId, string asset) => AccountsOf(userId)?.BalanceOf(asset) ?? default;

    /// <summary>The user's accounts, or null when they have none yet. Decide looks a user up and Evolve
    /// looks the same user up again right after, so the last one found is kept at hand: a reference
    /// held by this state's own thread, invisible from outside (users are never removed).</summary>
    internal UserAccounts? AccountsOf(string userId)
    {
        if (_lastUser is not null && string.Equals(_lastUser.UserId, userId, StringComparison.Ordinal)) return _lastUser;
        if (!_accounts.TryGetValue(userId, out var accounts)) return null;
        return _lastUser = accounts;
    }

    public bool TryGetOrder(string ownerId, string orderId, [NotNullWhen(true)] out Order? order)
    {
        order = TryGetOrderSlot(ownerId, orderId, out var slot) ? slot.Order : null;
        return order is not null;
    }

    internal bool TryGetOrderSlot(string ownerId, string orderId, [NotNullWhen(true)] out OrderSlot? slot)
    {
        slot = null;
        return AccountsOf(ownerId)?.TryGetOrder(orderId, out slot) ?? false;
    }

    public bool HasAppliedFill(string ownerId, string orderId, string fillId) =>
        TryGetOrderSlot(ownerId, orderId, out var slot) && slot.HasFill(fillId);

    public bool TryGetDebitedTransfer(string fromUserId, string transferId, [NotNullWhen(true)] out TransferDebited? debited) =>
        _debitedTransfers.TryGetValue((fromUserId, transferId), out debited);

    /// <summary>True once this partition credited the transfer or refused to credit it: either way the
    /// credit step is decided, and deciding it again could move the money twice.</summary>
    public bool HasDecidedCredit(string fromUserId, string transferId) => _decidedCredits.Contains((fromUserId, transferId));

    public bool HasRefunded(string fromUserId, string transferId) => _refundedTransfers.Contains((fromUserId, transferId));

    /// <summary>The user's accounts, for Evolve to change in place; a new user starts with none.</summary>
    internal UserAccounts AccountsToChange(string userId)
    {
        if (AccountsOf(userId) is { } known) return known;
        var added = new UserAccounts(userId);
        _accounts.Add(userId, added);
        return _lastUser = added;
    }

    /// <summary>The stored balance itself (a new account starts at zero), for Evolve to change in place.
    /// The reference is valid only until the user's next account is added.</summary>
    internal ref Balance BalanceToChange(UserAccounts accounts, string asset)
    {
        ref var balance = ref accounts.BalanceToChange(asset, out var added);
        if (added) _accountCount++;
        return ref balance;
    }

    /// <summary>The order's slot, for Evolve to change.</summary>
    internal OrderSlot OrderToChange(string ownerId, string orderId) =>
        TryGetOrderSlot(ownerId, orderId, out var slot)
            ? slot
            : throw new LedgerInvariantViolation($"order {orderId} is not known to this partition");

    internal void AddOrder(Order order) => AccountsToChange(order.OwnerId).AddOrder(order);

    internal void RememberDebit(TransferDebited debited)
    {
        if (!_debitedTransfers.TryAdd((debited.FromUserId, debited.TransferId), debited))
            throw new LedgerInvariantViolation($"transfer {debited.TransferId} debited twice");
    }

    internal void RememberCreditDecided(string fromUserId, string transferId)
    {
        if (!_decidedCredits.Add((fromUserId, transferId))) throw new LedgerInvariantViolation($"credit of transfer {transferId} decided twice");
    }

    internal void RememberRefund(string fromUserId, string transferId)
    {
        if (!_refundedTransfers.Add((fromUserId, transferId))) throw new LedgerInvariantViolation($"transfer {transferId} refunded twice");
    }
}
