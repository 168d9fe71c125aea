namespace Ledger.Domain.Orders;

/// <summary>
/// An order as its owner's partition keeps it: the order as it stands (an immutable record, replaced
/// on each change) and the ids of the fills applied to it, so a fill id is applied once. Most orders
/// get a few fills, so the first id is kept inline and a set is made only for a second one.
/// </summary>
internal sealed class OrderSlot(Order order)
{
    private string? _firstFillId;
    private HashSet<string>? _moreFillIds;

    public Order Order { get; set; } = order;

    public bool HasFill(string fillId) =>
        string.Equals(_firstFillId, fillId, StringComparison.Ordinal) || (_moreFillIds?.Contains(fillId) ?? false);

    /// <summary>The ids of the fills applied, in no particular order.</summary>
    public string[] FillIds() =>
        _firstFillId is null ? [] : [_firstFillId, .. _moreFillIds ?? Enumerable.Empty<string>()];

    public void AddFill(string fillId)
    {
        if (HasFill(fillId)) throw new LedgerInvariantViolation($"fill {fillId} of order {Order.OrderId} applied twice");
        if (_firstFillId is null) _firstFillId = fillId;
        else (_moreFillIds ??= new HashSet<string>(StringComparer.Ordinal)).Add(fillId);
    }
}
