using Ledger.Domain;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;
using Xunit;

namespace Ledger.Tests.Domain;

/// <summary>Given events, when a command, then events: the Decider's way of stating a rule.
/// The decided events are applied too, so balances can be checked after them.</summary>
public sealed class Scenario
{
    public static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly LedgerState _state = new();
    private IReadOnlyList<LedgerEvent> _decided = [];

    public static Scenario Given(params LedgerEvent[] events)
    {
        var scenario = new Scenario();
        foreach (var @event in events) LedgerDecider.Evolve(scenario._state, @event);
        return scenario;
    }

    public LedgerState State => _state;

    public Order OrderOf(string ownerId, string orderId) =>
        _state.TryGetOrder(ownerId, orderId, out var order) ? order : throw new KeyNotFoundException($"no order {orderId} of {ownerId}");

    public IReadOnlyList<LedgerEvent> Decided => _decided;

    public Scenario When(Command command)
    {
        _decided = LedgerDecider.Decide(command, _state, Now);
        foreach (var @event in _decided) LedgerDecider.Evolve(_state, @event);
        return this;
    }

    public Scenario Then(params LedgerEvent[] expected)
    {
        Assert.Equal(expected, _decided);
        return this;
    }

    public Scenario ThenRejected(string code)
    {
        var @event = Assert.Single(_decided);
        Assert.True(@event.IsRejection, $"expected a rejection with {code}, got {@event}");
        Assert.Equal(code, CodeOf(@event));
        return this;
    }

    public Scenario ThenNothing()
    {
        Assert.Empty(_decided);
        return this;
    }

    public Scenario ThenBalance(string userId, string asset, long available, long held)
    {
        Assert.Equal(new Ledger.Domain.Accounts.Balance(available, held), _state.BalanceOf(userId, asset));
        return this;
    }

    private static string CodeOf(LedgerEvent @event) => @event switch
    {
        DepositRejected e => e.Code,
        WithdrawalRejected e => e.Code,
        OrderRejected e => e.Code,
        CancelRejected e => e.Code,
        FillRejected e => e.Code,
        TransferRejected e => e.Code,
        TransferCreditRejected e => e.Code,
        _ => throw new ArgumentOutOfRangeException(nameof(@event), $"{@event.GetType().Name} is not a rejection"),
    };
}
