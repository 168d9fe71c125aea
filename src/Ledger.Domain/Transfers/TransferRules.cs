using Ledger.Domain.Accounts;

namespace Ledger.Domain.Transfers;

/// <summary>The three steps of a transfer, each decided on the partition that owns its user.
/// Each partition remembers which transfer ids it has debited, credited (or refused to credit) and
/// refunded, so a redelivered step decides nothing even after its idempotency key is forgotten.</summary>
internal static class TransferRules
{
    public static LedgerEvent DecideTransfer(Transfer transfer, LedgerState state, DateTimeOffset now)
    {
        var (request, id, from, to, asset, amount) =
            (transfer.Request, transfer.TransferId, transfer.FromUserId, transfer.ToUserId, transfer.Asset, transfer.Amount);
        LedgerEvent Rejected(string code) => new TransferRejected(request, now, id, from, to, asset, amount, code);

        if (string.IsNullOrEmpty(id) || !Orders.OrderRules.IsPositiveAmount(amount)) return Rejected(RejectionCode.InvalidAmount);
        if (from != request.UserId) return Rejected(RejectionCode.NotSender);
        if (from == to) return Rejected(RejectionCode.SameAccount);
        if (state.TryGetDebitedTransfer(from, id, out _)) return Rejected(RejectionCode.DuplicateTransferId);
        if (state.BalanceOf(from, asset).Available < amount) return Rejected(RejectionCode.InsufficientFunds);
        return new TransferDebited(request, now, id, from, to, asset, amount);
    }

    public static IReadOnlyList<LedgerEvent> DecideCredit(CreditTransfer credit, LedgerState state, DateTimeOffset now)
    {
        var (request, id, from, to, asset, amount) =
            (credit.Request, credit.TransferId, credit.FromUserId, credit.ToUserId, credit.Asset, credit.Amount);
        if (state.HasDecidedCredit(from, id)) return [];
        if (request.UserId != to)
            throw new LedgerInvariantViolation($"credit of transfer {id} for {to} was sent on behalf of {request.UserId}");

        if (!Orders.OrderRules.IsPositiveAmount(amount))
            return [new TransferCreditRejected(request, now, id, from, to, asset, amount, RejectionCode.InvalidAmount)];
        if (state.BalanceOf(to, asset).CannotTake(amount))
            return [new TransferCreditRejected(request, now, id, from, to, asset, amount, RejectionCode.BalanceLimitExceeded)];
        return [new TransferCredited(request, now, id, from, to, asset, amount)];
    }

    /// <summary>A refund always applies: the money is the sender's and has nowhere else to go, so the
    /// balance limit does not refuse it (sums stay far from overflow). A refund of a transfer this
    /// partition never debited, or with other details, can only be a bug: it would create money.</summary>
    public static IReadOnlyList<LedgerEvent> DecideRefund(RefundTransfer refund, LedgerState state, DateTimeOffset now)
    {
        var (request, id, from, to, asset, amount) =
            (refund.Request, refund.TransferId, refund.FromUserId, refund.ToUserId, refund.Asset, refund.Amount);
        if (state.HasRefunded(from, id)) return [];
        if (!state.TryGetDebitedTransfer(from, id, out var debited) || debited.ToUserId != to
            || debited.Asset != asset || debited.Amount != amount || request.UserId != from)
            throw new LedgerInvariantViolation($"refund of transfer {id} does not match a debit of this partition");
        return [new TransferRefunded(request, now, id, from, to, asset, amount)];
    }

    public static void ApplyRefunded(LedgerState state, TransferRefunded refunded)
    {
        if (!state.TryGetDebitedTransfer(refunded.FromUserId, refunded.TransferId, out _))
            throw new LedgerInvariantViolation($"transfer {refunded.TransferId} is refunded but was never debited here");
        state.RememberRefund(refunded.FromUserId, refunded.TransferId);
    }
}
