namespace Ledger.Domain.Accounts;

/// <summary>One user's money in one asset, in minor units. Held is money reserved by open orders.</summary>
public readonly record struct Balance(long Available, long Held)
{
    /// <summary>No balance may exceed this (10^17 minor units), so sums never near long.MaxValue.</summary>
    public const long MinorUnitsMax = 100_000_000_000_000_000;

    public long Total => Available + Held;

    /// <summary>Whether crediting this many minor units would take the balance past <see cref="MinorUnitsMax"/>:
    /// every rule that credits a balance (deposit, transfer credit, fill) refuses then.</summary>
    public bool CannotTake(long credit) => Total > MinorUnitsMax - credit;
}

/// <summary>The key of a balance: a user's account in one asset.</summary>
public readonly record struct AccountKey(string UserId, string Asset);
