using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Snapshots;
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
    internal ref Balance BalanceToChange(UserAccounts accounts, string asset) => ref BalanceToChange(accounts, asset, out _);

    private ref Balance BalanceToChange(UserAccounts accounts, string asset, out bool added)
    {
        ref var balance = ref accounts.BalanceToChange(asset, out added);
        if (added) _accountCount++;
        return ref balance;
    }

    /// <summary>The order's slot, for Evolve to change.</summary>
    internal OrderSlot OrderToChange(string ownerId, string orderId) =>
        TryGetOrderSlot(ownerId, orderId, out var slot)
            ? slot
            : throw new LedgerInvariantViolation($"order {orderId} is not known to this partition");

    internal void AddOrder(Order order) => AccountsToChange(order.OwnerId).AddOrder(order);

    /// <summary>This state as plain values (copied, so the state may change right after), for a
    /// snapshot. Costs one pass over the state on the owner's thread.</summary>
    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PartitionImage Capture()
    {
        var accounts = new List<AccountImage>(_accountCount);
        var orders = new List<OrderImage>();
        foreach (var user in _accounts.Values)
        {
            foreach (var (key, balance) in user.All()) accounts.Add(new AccountImage(key.UserId, key.Asset, balance));
            foreach (var slot in user.OrderSlots) orders.Add(new OrderImage(slot.Order, slot.FillIds()));
        }
        return new PartitionImage(
            EventsApplied,
            accounts,
            orders,
            _debitedTransfers.Values.ToArray(),
            _decidedCredits.Select(step => new TransferStep(step.FromUserId, step.TransferId)).ToArray(),
            _refundedTransfers.Select(step => new TransferStep(step.FromUserId, step.TransferId)).ToArray(),
            Requests.InOrder());
    }

    /// <summary>The state an image was captured from. An image that no state could have produced (a
    /// negative balance, an account or order twice, a market not configured here) throws
    /// <see cref="ArgumentException"/>: a snapshot that says so is refused, never half applied.</summary>
    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LedgerState Restore(PartitionImage image, TimeSpan idempotencyWindow, MarketCatalog markets)
    {
        var state = new LedgerState(idempotencyWindow, markets);
        if (image.EventsApplied < 0) throw NotAState("a negative count of events applied");
        foreach (var (userId, asset, balance) in image.Accounts)
        {
            if (balance.Available is < 0 or > Balance.MinorUnitsMax || balance.Held is < 0 or > Balance.MinorUnitsMax)
                throw NotAState($"the balance of {userId} in {asset} is out of range");
            ref var stored = ref state.BalanceToChange(state.AccountsToChange(userId), asset, out var added);
            if (!added) throw NotAState($"the account of {userId} in {asset} appears twice");
            stored = balance;
        }
        foreach (var (order, fillIds) in image.Orders)
        {
            if (!markets.TryGet(order.Market.Symbol, out var market) || market != order.Market)
                throw NotAState($"order {order.OrderId} is on market {order.Market.Symbol}, which is not configured as it was");
            if (order.Filled < 0 || order.Filled > order.Quantity || order.HeldRemaining < 0) throw NotAState($"order {order.OrderId} is out of range");
            var owner = state.AccountsToChange(order.OwnerId);
            if (owner.TryGetOrder(order.OrderId, out _)) throw NotAState($"order {order.OrderId} of {order.OwnerId} appears twice");
            var slot = owner.AddOrder(order);
            foreach (var fillId in fillIds)
            {
                if (slot.HasFill(fillId)) throw NotAState($"fill {fillId} of order {order.OrderId} appears twice");
                slot.AddFill(fillId);
            }
        }
        foreach (var debited in image.DebitedTransfers)
        {
            if (!state._debitedTransfers.TryAdd((debited.FromUserId, debited.TransferId), debited))
                throw NotAState($"transfer {debited.TransferId} is debited twice");
        }
        foreach (var (fromUserId, transferId) in image.DecidedCredits)
        {
            if (!state._decidedCredits.Add((fromUserId, transferId))) throw NotAState($"the credit of transfer {transferId} appears twice");
        }
        foreach (var (fromUserId, transferId) in image.RefundedTransfers)
        {
            if (!state._refundedTransfers.Add((fromUserId, transferId))) throw NotAState($"the refund of transfer {transferId} appears twice");
        }
        state.Requests.Reserve(image.Requests.Count);
        foreach (var remembered in image.Requests)
        {
            if (!state.Requests.RememberAgain(remembered))
                throw NotAState($"request {remembered.Request.IdempotencyKey} of {remembered.Request.UserId} appears twice");
        }
        state.EventsApplied = image.EventsApplied;
        state._lastUser = null;
        return state;

        // Messages are made only when thrown: Restore runs once per remembered request.
        static ArgumentException NotAState(string what) => new($"the partition image is not a state's: {what}", nameof(image));
    }

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
