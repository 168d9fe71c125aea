using Ledger.Domain.Accounts;

namespace Ledger.Domain;

/// <summary>A decision of the ledger. Events are facts: they are never changed or removed. Each one
/// names its postings; a refusal is an event too, with no postings.</summary>
public abstract record LedgerEvent(Request Request, DateTimeOffset At)
{
    /// <summary>The event's postings as a list, for the wire and for auditors. Evolve does not use it:
    /// it reads them into a stack buffer through <see cref="WritePostings"/>, allocating nothing.</summary>
    public IReadOnlyList<Posting> Postings
    {
        get
        {
            var buffer = new PostingBuffer();
            return buffer.Of(this).ToArray();
        }
    }

    /// <summary>Writes the postings (at most <see cref="PostingBuffer.Capacity"/>) and returns how many.
    /// The one definition of an event's postings.</summary>
    internal abstract int WritePostings(Span<Posting> into);

    /// <summary>The asset whose balance the caller is told about in the answer.</summary>
    public abstract string Asset { get; }

    public bool IsRejection => this is IRejection;
}

public sealed record Deposited(Request Request, DateTimeOffset At, string Asset, long Amount) : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.System(Book.ExternalDeposits, Asset, -Amount);
        into[1] = Posting.User(Request.UserId, Book.Available, Asset, Amount);
        return 2;
    }
}

public sealed record DepositRejected(Request Request, DateTimeOffset At, string Asset, long Amount, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    internal override int WritePostings(Span<Posting> into) => 0;
}

public sealed record Withdrawn(Request Request, DateTimeOffset At, string Asset, long Amount) : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.User(Request.UserId, Book.Available, Asset, -Amount);
        into[1] = Posting.System(Book.ExternalWithdrawals, Asset, Amount);
        return 2;
    }
}

public sealed record WithdrawalRejected(Request Request, DateTimeOffset At, string Asset, long Amount, string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    internal override int WritePostings(Span<Posting> into) => 0;
}

/// <summary>An event that records a refusal: nothing moved, and the code says why.</summary>
public interface IRejection
{
    string Code { get; }
}

/// <summary>The codes a refusal carries; they are part of the public contract.</summary>
public static class RejectionCode
{
    public const string InsufficientFunds = "insufficient_funds";
    public const string InvalidAmount = "invalid_amount";
    public const string BalanceLimitExceeded = "balance_limit_exceeded";
    public const string UnknownMarket = "unknown_market";
    /// <summary>The user already placed an order with this id.</summary>
    public const string DuplicateOrderId = "duplicate_order_id";
    /// <summary>A fill id already applied to the order, sent again under another idempotency key.</summary>
    public const string DuplicateFillId = "duplicate_fill_id";
    public const string OrderNotFound = "order_not_found";
    public const string OrderNotOpen = "order_not_open";
    public const string Overfill = "overfill";
    public const string PriceBeyondLimit = "price_beyond_limit";
    public const string FillMismatch = "fill_mismatch";
    public const string SameAccount = "same_account";
    public const string NotSender = "not_sender";
    public const string DuplicateTransferId = "duplicate_transfer_id";
}
