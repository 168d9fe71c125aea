namespace Ledger.Domain;

/// <summary>Who asked, and under which idempotency key. Fingerprint is a hash of the request body
/// made at the edge: the same key with another body is a different request, refused.</summary>
public sealed record Request(Guid CommandId, string UserId, string IdempotencyKey, string Fingerprint)
{
    // The key's hash is computed where the request is made (the codec, at the edge), not in the
    // writer's loop: once by KeyHash's initializer, and again whenever `with` sets either part, so it
    // never describes another key. (Initializers write the fields directly; `with` goes through init.)
    public string UserId
    {
        get;
        init { field = value; KeyHash = KeyHashOf(value, IdempotencyKey); }
    } = UserId;

    public string IdempotencyKey
    {
        get;
        init { field = value; KeyHash = KeyHashOf(UserId, value); }
    } = IdempotencyKey;

    /// <summary>Where the idempotency memory looks for (UserId, IdempotencyKey) first. Only a hint: a
    /// match is confirmed by comparing the strings, so two keys with one hash are never confused.
    /// Randomised per process (string hashing), so clients cannot choose keys that collide.</summary>
    internal int KeyHash { get; private set; } = KeyHashOf(UserId, IdempotencyKey);

    internal static int KeyHashOf(string? userId, string? idempotencyKey) => HashCode.Combine(userId, idempotencyKey);
}

/// <summary>Something a user (or the treasury, or the matching engine) asks the ledger to do.
/// Amounts are minor units of the named asset, validated at the edge.</summary>
public abstract record Command(Request Request);

public sealed record Deposit(Request Request, string Asset, long Amount) : Command(Request);

public sealed record Withdraw(Request Request, string Asset, long Amount) : Command(Request);
