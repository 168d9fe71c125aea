using Ledger.Domain.Accounts;

namespace Ledger.Domain;

/// <summary>
/// The ledger's rules. Decide reads the state and says what happens; Evolve applies what happened.
/// Both are pure: time comes in as an argument. A request whose idempotency key is remembered
/// decides nothing (no events), so repeating it is harmless.
/// </summary>
public static class LedgerDecider
{
    public static IReadOnlyList<LedgerEvent> Decide(Command command, LedgerState state, DateTimeOffset now)
    {
        var request = command.Request;
        if (state.Requests.TryRecall(request.UserId, request.IdempotencyKey, out _)) return [];

        return command switch
        {
            Deposit deposit => [DecideDeposit(deposit, state, now)],
            Withdraw withdraw => [DecideWithdraw(withdraw, state, now)],
            _ => throw new ArgumentOutOfRangeException(nameof(command), $"no rule decides {command.GetType().Name}"),
        };
    }

    private static LedgerEvent DecideDeposit(Deposit deposit, LedgerState state, DateTimeOffset now)
    {
        var (request, asset, amount) = (deposit.Request, deposit.Asset, deposit.Amount);
        if (!IsMovableAmount(amount)) return new DepositRejected(request, now, asset, amount, RejectionCode.InvalidAmount);
        var balance = state.BalanceOf(request.UserId, asset);
        if (balance.Total > Balance.MinorUnitsMax - amount)
            return new DepositRejected(request, now, asset, amount, RejectionCode.BalanceLimitExceeded);
        return new Deposited(request, now, asset, amount);
    }

    private static LedgerEvent DecideWithdraw(Withdraw withdraw, LedgerState state, DateTimeOffset now)
    {
        var (request, asset, amount) = (withdraw.Request, withdraw.Asset, withdraw.Amount);
        if (!IsMovableAmount(amount)) return new WithdrawalRejected(request, now, asset, amount, RejectionCode.InvalidAmount);
        if (state.BalanceOf(request.UserId, asset).Available < amount)
            return new WithdrawalRejected(request, now, asset, amount, RejectionCode.InsufficientFunds);
        return new Withdrawn(request, now, asset, amount);
    }

    private static bool IsMovableAmount(long amount) => amount > 0 && amount <= Assets.Amount.MinorUnitsMax;

    /// <summary>Applies one event. Throws <see cref="LedgerInvariantViolation"/> when the event would
    /// break double entry or take a user's balance below zero: that is a bug, and the writer stops.</summary>
    public static LedgerState Evolve(LedgerState state, LedgerEvent @event)
    {
        var postings = @event.Postings;
        if (!Posting.Balance(postings))
            throw new LedgerInvariantViolation($"postings of {@event.GetType().Name} {@event.Request.CommandId} do not sum to zero");

        foreach (var posting in postings)
        {
            if (posting.IsUserBook) ApplyToUser(state, posting, @event);
        }
        state.Requests.Remember(@event, BalancesAfter(state, @event));
        state.EventsApplied++;
        return state;
    }

    /// <summary>The event's user's balances, right after it, in every asset it touched (or its own asset).</summary>
    public static IReadOnlyList<Idempotency.AssetBalance> BalancesAfter(LedgerState state, LedgerEvent @event)
    {
        var userId = @event.Request.UserId;
        var assets = @event.Postings.Where(p => p.IsUserBook && p.Owner == userId).Select(p => p.Asset)
            .Append(@event.Asset).Distinct();
        return assets.Select(asset => new Idempotency.AssetBalance(asset, state.BalanceOf(userId, asset))).ToArray();
    }

    private static void ApplyToUser(LedgerState state, Posting posting, LedgerEvent @event)
    {
        var account = new AccountKey(posting.Owner, posting.Asset);
        var before = state.BalanceOf(account.UserId, account.Asset);
        var after = posting.Book == Book.Available
            ? before with { Available = checked(before.Available + posting.Amount) }
            : before with { Held = checked(before.Held + posting.Amount) };
        if (after.Available < 0 || after.Held < 0)
            throw new LedgerInvariantViolation(
                $"{@event.GetType().Name} {@event.Request.CommandId} takes {account} below zero: {after}");
        state.SetBalance(account, after);
    }
}

/// <summary>A broken invariant where money is at stake. Never caught to carry on.</summary>
public sealed class LedgerInvariantViolation(string message) : Exception(message);
