using Ledger.Domain.Accounts;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

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
        if (state.Requests.Contains(request.UserId, request.IdempotencyKey)) return [];

        return command switch
        {
            Deposit deposit => [DecideDeposit(deposit, state, now)],
            Withdraw withdraw => [DecideWithdraw(withdraw, state, now)],
            PlaceOrder place => [OrderRules.DecidePlace(place, state, now)],
            CancelOrder cancel => [OrderRules.DecideCancel(cancel, state, now)],
            Fill fill => OrderRules.DecideFill(fill, state, now),
            Transfer transfer => [TransferRules.DecideTransfer(transfer, state, now)],
            CreditTransfer credit => TransferRules.DecideCredit(credit, state, now),
            RefundTransfer refund => TransferRules.DecideRefund(refund, state, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), $"no rule decides {command.GetType().Name}"),
        };
    }

    /// <summary>The commands an event requires on another partition (or this one): the next step of a
    /// saga. The writer produces them in the same Kafka transaction as the event, keyed by their
    /// Request.UserId; their requests are deterministic, so producing one twice is harmless.</summary>
    public static IReadOnlyList<Command> FollowUps(LedgerEvent @event) => @event switch
    {
        TransferDebited debited => [TransferSaga.CreditFor(debited)],
        TransferCreditRejected rejected => [TransferSaga.RefundFor(rejected)],
        _ => [],
    };

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

        for (var i = 0; i < postings.Count; i++)
        {
            if (postings[i].IsUserBook && postings[i].Amount != 0) ApplyToUser(state, postings[i], @event);
        }
        ApplyFacts(state, @event);
        state.Requests.Remember(@event, BalancesAfter(state, @event, postings));
        state.EventsApplied++;
        return state;
    }

    /// <summary>What an event changes besides balances: the orders, fills and transfer steps a
    /// partition remembers.</summary>
    private static void ApplyFacts(LedgerState state, LedgerEvent @event)
    {
        switch (@event)
        {
            case OrderPlaced placed: OrderRules.ApplyPlaced(state, placed); break;
            case OrderCancelled cancelled: OrderRules.ApplyCancelled(state, cancelled); break;
            case OrderFilled filled: OrderRules.ApplyFilled(state, filled); break;
            case TransferDebited debited: state.RememberDebit(debited); break;
            case TransferCredited credited: state.RememberCreditDecided(credited.FromUserId, credited.TransferId); break;
            case TransferCreditRejected rejected: state.RememberCreditDecided(rejected.FromUserId, rejected.TransferId); break;
            case TransferRefunded refunded: TransferRules.ApplyRefunded(state, refunded); break;
        }
    }

    /// <summary>The event's user's balances, right after it, in every asset it touched (or its own asset).</summary>
    public static IReadOnlyList<AssetBalance> BalancesAfter(LedgerState state, LedgerEvent @event) =>
        BalancesAfter(state, @event, @event.Postings);

    /// <summary>Without LINQ: it runs on every Evolve. An event touches one to two of its user's assets,
    /// so the distinct ones are found by looking back along the short list.</summary>
    private static AssetBalance[] BalancesAfter(LedgerState state, LedgerEvent @event, IReadOnlyList<Posting> postings)
    {
        var userId = @event.Request.UserId;
        Span<int> firstOfAsset = stackalloc int[postings.Count];
        var assetCount = 0;
        for (var i = 0; i < postings.Count; i++)
        {
            var posting = postings[i];
            if (posting.IsUserBook && posting.Owner == userId && !Contains(postings, firstOfAsset[..assetCount], posting.Asset))
                firstOfAsset[assetCount++] = i;
        }
        var ownAssetMissing = @event.Asset.Length > 0 && !Contains(postings, firstOfAsset[..assetCount], @event.Asset);
        var balances = new AssetBalance[assetCount + (ownAssetMissing ? 1 : 0)];
        for (var i = 0; i < assetCount; i++)
        {
            var asset = postings[firstOfAsset[i]].Asset;
            balances[i] = new AssetBalance(asset, state.BalanceOf(userId, asset));
        }
        if (ownAssetMissing) balances[^1] = new AssetBalance(@event.Asset, state.BalanceOf(userId, @event.Asset));
        return balances;
    }

    private static bool Contains(IReadOnlyList<Posting> postings, ReadOnlySpan<int> indexes, string asset)
    {
        foreach (var index in indexes)
        {
            if (postings[index].Asset == asset) return true;
        }
        return false;
    }

    /// <summary>One dictionary lookup per posting: the balance is changed where it is stored. It is
    /// checked before it is written, so a violation leaves the state as it was for this posting.</summary>
    private static void ApplyToUser(LedgerState state, Posting posting, LedgerEvent @event)
    {
        var account = new AccountKey(posting.Owner, posting.Asset);
        ref var balance = ref state.BalanceToChange(account);
        var after = posting.Book == Book.Available
            ? balance with { Available = checked(balance.Available + posting.Amount) }
            : balance with { Held = checked(balance.Held + posting.Amount) };
        if (after.Available < 0 || after.Held < 0)
            throw new LedgerInvariantViolation(
                $"{@event.GetType().Name} {@event.Request.CommandId} takes {account} below zero: {after}");
        balance = after;
    }
}

/// <summary>A broken invariant where money is at stake. Never caught to carry on.</summary>
public sealed class LedgerInvariantViolation(string message) : Exception(message);
