using Ledger.Domain.Accounts;

namespace Ledger.Domain.Transfers;

/// <summary>The sender's money left their available balance and is in flight (TransfersInFlight)
/// until the receiver's partition credits it or it comes back.</summary>
public sealed record TransferDebited(
    Request Request, DateTimeOffset At, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.User(FromUserId, Book.Available, Asset, -Amount);
        into[1] = Posting.System(Book.TransfersInFlight, Asset, Amount);
        return 2;
    }
}

/// <summary>The transfer was refused before any money moved (insufficient_funds, same_account,
/// invalid_amount, not_sender, duplicate_transfer_id).</summary>
public sealed record TransferRejected(
    Request Request, DateTimeOffset At, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount,
    string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    internal override int WritePostings(Span<Posting> into) => 0;
}

/// <summary>The money in flight reached the receiver's available balance.</summary>
public sealed record TransferCredited(
    Request Request, DateTimeOffset At, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.System(Book.TransfersInFlight, Asset, -Amount);
        into[1] = Posting.User(ToUserId, Book.Available, Asset, Amount);
        return 2;
    }
}

/// <summary>The receiver's partition could not credit the money (balance_limit_exceeded,
/// invalid_amount); it stays in flight until the sender's partition refunds it.</summary>
public sealed record TransferCreditRejected(
    Request Request, DateTimeOffset At, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount,
    string Code)
    : LedgerEvent(Request, At), IRejection
{
    public override string Asset { get; } = Asset;
    internal override int WritePostings(Span<Posting> into) => 0;
}

/// <summary>The money in flight came back to the sender's available balance.</summary>
public sealed record TransferRefunded(
    Request Request, DateTimeOffset At, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : LedgerEvent(Request, At)
{
    public override string Asset { get; } = Asset;

    internal override int WritePostings(Span<Posting> into)
    {
        into[0] = Posting.System(Book.TransfersInFlight, Asset, -Amount);
        into[1] = Posting.User(FromUserId, Book.Available, Asset, Amount);
        return 2;
    }
}
