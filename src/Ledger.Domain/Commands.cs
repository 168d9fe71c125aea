namespace Ledger.Domain;

/// <summary>Who asked, and under which idempotency key. Fingerprint is a hash of the request body
/// made at the edge: the same key with another body is a different request, refused.</summary>
public sealed record Request(Guid CommandId, string UserId, string IdempotencyKey, string Fingerprint);

/// <summary>Something a user (or the treasury, or the matching engine) asks the ledger to do.
/// Amounts are minor units of the named asset, validated at the edge.</summary>
public abstract record Command(Request Request);

public sealed record Deposit(Request Request, string Asset, long Amount) : Command(Request);

public sealed record Withdraw(Request Request, string Asset, long Amount) : Command(Request);
