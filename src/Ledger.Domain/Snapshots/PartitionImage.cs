using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Domain.Snapshots;

/// <summary>
/// A partition's state as plain values, taken by <see cref="LedgerState.Capture"/> and turned back into
/// a state by <see cref="LedgerState.Restore"/>: what a snapshot stores, so that a writer replays only
/// the events after it. Restore(Capture(s)) decides every later command exactly as s would: the
/// balances, the orders with the fill ids applied to them, the transfer steps taken, and the requests
/// remembered, in the order they were remembered (the oldest is forgotten first).
/// </summary>
public sealed record PartitionImage(
    long EventsApplied,
    IReadOnlyList<AccountImage> Accounts,
    IReadOnlyList<OrderImage> Orders,
    IReadOnlyList<TransferDebited> DebitedTransfers,
    IReadOnlyList<TransferStep> DecidedCredits,
    IReadOnlyList<TransferStep> RefundedTransfers,
    IReadOnlyList<RememberedRequest> Requests);

/// <summary>One user's balance in one asset.</summary>
public readonly record struct AccountImage(string UserId, string Asset, Balance Balance);

/// <summary>An order as it stands, and the ids of the fills applied to it.</summary>
public sealed record OrderImage(Order Order, IReadOnlyList<string> FillIds);

/// <summary>A step of a transfer saga, named by the sender and the sender's transfer id.</summary>
public readonly record struct TransferStep(string FromUserId, string TransferId);
