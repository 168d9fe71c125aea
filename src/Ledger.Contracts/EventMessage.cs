using Ledger.Domain;
using Ledger.Domain.Idempotency;

namespace Ledger.Contracts;

/// <summary>An event as published on ledger.events: the decision, and the user's balances right after it.</summary>
public sealed record EventMessage(LedgerEvent Event, IReadOnlyList<AssetBalance> BalancesAfter)
{
    public const int SchemaVersion = 1;
}
