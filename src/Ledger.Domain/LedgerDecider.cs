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
        if (state.Requests.Contains(request)) return [];

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
        if (balance.CannotTake(amount))
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
        EvolveCore(state, @event);
        return state;
    }

    /// <summary>Evolve, also handing back the event's user's balances right after it (what
    /// <see cref="BalancesAfter(LedgerState, LedgerEvent)"/> would compute again): the writer publishes them with the event.</summary>
    public static LedgerState Evolve(LedgerState state, LedgerEvent @event, out IReadOnlyList<AssetBalance> balancesAfter)
    {
        balancesAfter = EvolveCore(state, @event).ToArray();
        return state;
    }

    private static AssetBalances EvolveCore(LedgerState state, LedgerEvent @event)
    {
        var buffer = new PostingBuffer();
        var postings = buffer.Of(@event);
        if (!Posting.SumsToZero(postings))
            throw new LedgerInvariantViolation($"postings of {@event.GetType().Name} {@event.Request.CommandId} do not sum to zero");

        var accounts = ApplyToUsers(state, postings, @event);
        ApplyFacts(state, @event);
        var balancesAfter = BalancesAfter(state, @event, postings, accounts);
        state.Requests.Remember(@event, balancesAfter);
        state.EventsApplied++;
        return balancesAfter;
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
    public static IReadOnlyList<AssetBalance> BalancesAfter(LedgerState state, LedgerEvent @event)
    {
        var buffer = new PostingBuffer();
        return BalancesAfter(state, @event, buffer.Of(@event), accounts: null).ToArray();
    }

    /// <summary>Without LINQ or arrays: it runs on every Evolve. An event touches one or two of its
    /// user's assets, so the distinct ones are found by looking back along the short list.
    /// <paramref name="accounts"/> is the accounts Evolve just changed, to spare a lookup when they
    /// are the event's user's.</summary>
    private static AssetBalances BalancesAfter(
        LedgerState state, LedgerEvent @event, ReadOnlySpan<Posting> postings, UserAccounts? accounts)
    {
        var userId = @event.Request.UserId;
        if (accounts is null || !string.Equals(accounts.UserId, userId, StringComparison.Ordinal)) accounts = state.AccountsOf(userId);
        var balances = new AssetBalances();
        foreach (ref readonly var posting in postings)
        {
            if (posting.IsUserBook && string.Equals(posting.Owner, userId, StringComparison.Ordinal) && !balances.Contains(posting.Asset))
                balances.Add(new AssetBalance(posting.Asset, accounts?.BalanceOf(posting.Asset) ?? default));
        }
        if (@event.Asset.Length > 0 && !balances.Contains(@event.Asset))
            balances.Add(new AssetBalance(@event.Asset, accounts?.BalanceOf(@event.Asset) ?? default));
        return balances;
    }

    /// <summary>Changes each user posting's balance where it is stored. An event's user postings are
    /// one user's, so the user is looked up once, not per posting. Each balance is checked before it
    /// is written, so a violation leaves the state as it was for that posting. Returns the accounts
    /// changed last (null if none).</summary>
    private static UserAccounts? ApplyToUsers(LedgerState state, ReadOnlySpan<Posting> postings, LedgerEvent @event)
    {
        UserAccounts? accounts = null;
        foreach (ref readonly var posting in postings)
        {
            if (!posting.IsUserBook || posting.Amount == 0) continue;
            if (accounts is null || !string.Equals(accounts.UserId, posting.Owner, StringComparison.Ordinal))
                accounts = state.AccountsToChange(posting.Owner);
            ref var balance = ref state.BalanceToChange(accounts, posting.Asset);
            var after = posting.Book == Book.Available
                ? balance with { Available = checked(balance.Available + posting.Amount) }
                : balance with { Held = checked(balance.Held + posting.Amount) };
            if (after.Available < 0 || after.Held < 0)
                throw new LedgerInvariantViolation(
                    $"{@event.GetType().Name} {@event.Request.CommandId} takes {new AccountKey(posting.Owner, posting.Asset)} below zero: {after}");
            balance = after;
        }
        return accounts;
    }
}

/// <summary>A broken invariant where money is at stake. Never caught to carry on.</summary>
public sealed class LedgerInvariantViolation(string message) : Exception(message);
