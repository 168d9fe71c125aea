using System.Diagnostics.CodeAnalysis;
using Ledger.Domain.Orders;

namespace Ledger.Domain.Accounts;

/// <summary>
/// One user's balances, one per asset they have ever held, and the orders they placed. Found by the
/// user id alone, then by a short scan of the assets: a user holds a handful of assets, and
/// comparing a short asset code is cheaper than hashing (user, asset) for every posting. The first
/// account is kept inline (most users hold one or two assets), the rest in a small array. Orders are
/// the user's own (their ids are the user's choice), so they sit here, found by order id in the
/// user's own small table rather than by (owner, order id) in one big one.
/// </summary>
internal sealed class UserAccounts(string userId)
{
    private string? _firstAsset;
    private Balance _firstBalance;
    private (string Asset, Balance Balance)[]? _more;
    private int _moreCount;
    private Dictionary<string, OrderSlot>? _orders;

    public string UserId { get; } = userId;

    public int Count => (_firstAsset is null ? 0 : 1) + _moreCount;

    public Balance BalanceOf(string asset)
    {
        if (string.Equals(_firstAsset, asset, StringComparison.Ordinal)) return _firstBalance;
        for (var i = 0; i < _moreCount; i++)
        {
            if (string.Equals(_more![i].Asset, asset, StringComparison.Ordinal)) return _more[i].Balance;
        }
        return default;
    }

    /// <summary>The stored balance itself, added at zero if the user never held the asset. The
    /// reference is valid only until the user's next account is added.</summary>
    public ref Balance BalanceToChange(string asset, out bool added)
    {
        added = false;
        if (string.Equals(_firstAsset, asset, StringComparison.Ordinal)) return ref _firstBalance;
        for (var i = 0; i < _moreCount; i++)
        {
            if (string.Equals(_more![i].Asset, asset, StringComparison.Ordinal)) return ref _more[i].Balance;
        }
        added = true;
        if (_firstAsset is null)
        {
            _firstAsset = asset;
            return ref _firstBalance;
        }
        if (_more is null || _moreCount == _more.Length) Array.Resize(ref _more, Math.Max(2, _moreCount * 2));
        _more[_moreCount] = (asset, default);
        return ref _more[_moreCount++].Balance;
    }

    public IEnumerable<KeyValuePair<AccountKey, Balance>> All()
    {
        if (_firstAsset is not null) yield return new(new AccountKey(UserId, _firstAsset), _firstBalance);
        for (var i = 0; i < _moreCount; i++) yield return new(new AccountKey(UserId, _more![i].Asset), _more[i].Balance);
    }

    public bool TryGetOrder(string orderId, [NotNullWhen(true)] out OrderSlot? slot)
    {
        slot = null;
        return _orders is not null && _orders.TryGetValue(orderId, out slot);
    }

    /// <summary>Adds the order and returns its slot.</summary>
    public OrderSlot AddOrder(Order order)
    {
        var slot = new OrderSlot(order);
        // Ordinal string keys get .NET's fast hash, which turns randomised by itself if ids collide.
        if (!(_orders ??= new Dictionary<string, OrderSlot>(StringComparer.Ordinal)).TryAdd(order.OrderId, slot))
            throw new LedgerInvariantViolation($"order {order.OrderId} is placed twice");
        return slot;
    }

    public IEnumerable<Order> Orders => _orders?.Values.Select(slot => slot.Order) ?? [];

    public IEnumerable<OrderSlot> OrderSlots => _orders?.Values ?? Enumerable.Empty<OrderSlot>();
}
