namespace Ledger.Domain.Transfers;

/// <summary>
/// The sender (Request.UserId, who must be FromUserId) moves Amount of Asset to another user, who may
/// live on another partition. It is a saga: debit here, then <see cref="CreditTransfer"/> on the
/// receiver's partition, and if that cannot apply, <see cref="RefundTransfer"/> back here.
/// </summary>
public sealed record Transfer(Request Request, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : Command(Request);

/// <summary>Second step, on the receiver's partition (Request.UserId is ToUserId). Made by
/// <see cref="LedgerDecider.FollowUps"/>, never by a client.</summary>
public sealed record CreditTransfer(Request Request, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : Command(Request);

/// <summary>Compensation, on the sender's partition (Request.UserId is FromUserId), when the credit
/// was refused. Made by <see cref="LedgerDecider.FollowUps"/>, never by a client.</summary>
public sealed record RefundTransfer(Request Request, string TransferId, string FromUserId, string ToUserId, string Asset, long Amount)
    : Command(Request);
