using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Domain;

/// <summary>
/// ARCHITECTURE.md properties 1 to 5, checked on thousands of seeded random command sequences over
/// two partitions, a few users, assets and markets. Each case prints nothing unless it fails; the run
/// prints its seed. Set LEDGER_PROPERTY_SEED to a case's seed to run just that case.
/// </summary>
public sealed class LedgerProperties(ITestOutputHelper output)
{
    private const int CaseCount = 2_000;
    private const int StepsPerCase = 60;

    [Fact]
    public void random_command_sequences_keep_the_ledger_exact_balanced_non_negative_idempotent_and_replayable()
    {
        var reproduced = Environment.GetEnvironmentVariable("LEDGER_PROPERTY_SEED");
        if (reproduced is not null)
        {
            var seed = int.Parse(reproduced, System.Globalization.CultureInfo.InvariantCulture);
            output.WriteLine($"reproducing case seed {seed}");
            new LedgerSimulation(seed).Run(StepsPerCase);
            return;
        }

        var runSeed = Random.Shared.Next();
        output.WriteLine($"run seed {runSeed}: case seeds are drawn from it; a failure names its case seed (LEDGER_PROPERTY_SEED)");
        var seeds = new Random(runSeed);
        var decided = new Dictionary<string, int>();
        for (var i = 0; i < CaseCount; i++)
        {
            var simulation = new LedgerSimulation(seeds.Next());
            simulation.Run(StepsPerCase);
            foreach (var @event in simulation.Events) decided[Kind(@event)] = decided.GetValueOrDefault(Kind(@event)) + 1;
        }
        output.WriteLine(string.Join(Environment.NewLine, decided.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}: {pair.Value}")));
        // The cases must reach every rule, or the properties above say little.
        string[] mustOccur = [nameof(OrderFilled), nameof(OrderFilled) + " completed", nameof(OrderCancelled), nameof(TransferCredited),
            nameof(TransferRefunded), nameof(FillRejected) + " overfill", nameof(FillRejected) + " order_not_open"];
        foreach (var kind in mustOccur) Assert.True(decided.ContainsKey(kind), $"run seed {runSeed}: no case decided {kind}");
    }

    private static string Kind(LedgerEvent @event) => @event switch
    {
        OrderFilled { Completed: true } => nameof(OrderFilled) + " completed",
        FillRejected e => $"{nameof(FillRejected)} {e.Code}",
        _ => @event.GetType().Name,
    };
}

/// <summary>One random case: commands to two partition states, saga follow-ups delivered late,
/// sometimes twice, and repeated requests, with the properties checked after every event.</summary>
internal sealed class LedgerSimulation
{
    private const int PartitionCount = 2;
    private const string Whale = "whale";
    private static readonly string[] Users = ["u0", "u1", "u2", "u3", Whale];
    private static readonly string[] Assets = ["USD", "BTC", "ETH"];
    private static readonly string[] Markets = ["BTC-USD", "ETH-USD"];

    private readonly int _seed;
    private readonly Random _random;
    private readonly LedgerState[] _states = [new(), new()];
    private readonly List<LedgerEvent>[] _logs = [[], []];
    private readonly List<Command> _pendingFollowUps = [];
    private readonly List<Command> _sent = [];
    private readonly List<(string OwnerId, string OrderId)> _orders = [];
    private readonly List<(string OwnerId, string OrderId, string FillId)> _fills = [];
    private readonly HashSet<(string UserId, string Key)> _decidedKeys = [];
    private readonly HashSet<string> _onceFacts = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private int _nextId;

    public LedgerSimulation(int seed)
    {
        _seed = seed;
        _random = new Random(seed);
        // The whale sits just under the balance limit in USD, so credits to it are refused and refunded.
        Apply(new Deposited(NewRequest(Whale), _now, "USD", Balance.MinorUnitsMax - 1_000_000));
    }

    public void Run(int steps)
    {
        for (var step = 0; step < steps; step++)
        {
            _now = _now.AddSeconds(1);
            Send(NextCommand());
        }
        for (var round = 0; round < 10 && _pendingFollowUps.Count > 0; round++) DeliverAllFollowUps();
        Check(_pendingFollowUps.Count == 0, () => "sagas did not finish");
        CheckLedgerSumsToZero(requireNothingInFlight: true);
        CheckHoldsMatchOpenOrders();
        CheckReplayEqualsState();
    }

    public IEnumerable<LedgerEvent> Events => _logs.SelectMany(log => log);

    public const int Partitions = PartitionCount;

    /// <summary>The events one partition decided, in order: its log.</summary>
    public IReadOnlyList<LedgerEvent> LogOf(int partition) => _logs[partition];

    /// <summary>Every command sent so far (repeats among them), in order.</summary>
    public IReadOnlyList<Command> Sent => _sent;

    public static bool Owns(int partition, string userId) => PartitionOf(userId) == partition;

    private static int PartitionOf(string userId) => Array.IndexOf(Users, userId) % PartitionCount;

    private Command NextCommand()
    {
        var roll = _random.Next(100);
        if (roll < 15) return new Deposit(NewRequest(AnyUser()), AnyAsset(), AnyAmount(10_000_000));
        if (roll < 25) return new Withdraw(NewRequest(AnyUser()), AnyAsset(), AnyAmount(5_000_000));
        if (roll < 42) return NewOrder();
        if (roll < 50 && _orders.Count > 0) return Cancel();
        if (roll < 70 && _orders.Count > 0) return NewFill();
        if (roll < 80) return NewTransfer();
        if (roll < 90 && _pendingFollowUps.Count > 0) return TakeFollowUp();
        if (_sent.Count > 0) return _sent[_random.Next(_sent.Count)];
        return new Deposit(NewRequest(AnyUser()), AnyAsset(), AnyAmount(10_000_000));
    }

    private Command NewOrder()
    {
        var (userId, orderId) = _random.Next(10) == 0 && _orders.Count > 0 ? AnyOf(_orders) : (AnyUser(), $"o-{_nextId++}");
        var market = _random.Next(20) == 0 ? "DOGE-USD" : AnyOf(Markets);
        var side = _random.Next(2) == 0 ? Side.Buy : Side.Sell;
        return new PlaceOrder(NewRequest(userId), orderId, market, side, AnyAmount(6_000_000), AnyAmount(100_000_000));
    }

    private Command Cancel()
    {
        var (owner, orderId) = AnyOf(_orders);
        return new CancelOrder(NewRequest(_random.Next(8) == 0 ? AnyUser() : owner), orderId);
    }

    /// <summary>What the matching engine would send: mostly within the remaining quantity and the
    /// limit, sometimes beyond, sometimes a fill id already used.</summary>
    private Command NewFill()
    {
        var (ownerId, orderId) = AnyOf(_orders);
        if (_random.Next(10) == 0 && _fills.Count > 0)
        {
            var (usedOwnerId, usedOrderId, usedFillId) = AnyOf(_fills);
            if (FindOrder(usedOwnerId, usedOrderId) is { } used)
                return new Fill(NewRequest(usedOwnerId), usedOrderId, usedFillId, used.Market.Symbol, used.Side, 1, used.Price, 0);
        }
        if (FindOrder(ownerId, orderId) is not { } order)
            return new Fill(NewRequest(ownerId), orderId, $"f-{_nextId++}", AnyOf(Markets), Side.Buy, 1, 1, 0);
        var remaining = Math.Max(order.RemainingQuantity, 1);
        var quantity = _random.Next(4) switch
        {
            0 => remaining,
            1 when _random.Next(4) == 0 => remaining + 1,
            _ => 1 + _random.NextInt64(remaining),
        };
        var priceStep = 1 + _random.NextInt64(Math.Max(order.Price / 10, 1));
        var better = _random.Next(10) != 0;
        var price = (order.Side == Side.Buy) == better ? Math.Max(order.Price - priceStep, 1) : order.Price + priceStep;
        var fee = _random.Next(3) == 0 ? 0 : _random.NextInt64(Math.Max(quantity / 100, 1) + 1);
        var fillId = $"f-{_nextId++}";
        _fills.Add((ownerId, orderId, fillId));
        return new Fill(NewRequest(order.OwnerId), orderId, fillId, order.Market.Symbol, order.Side, quantity, price, fee);
    }

    private Command NewTransfer()
    {
        var from = AnyUser();
        var to = _random.Next(10) == 0 ? from : AnyUser();
        var transferId = _random.Next(15) == 0 && _nextId > 0 ? $"t-{_random.Next(_nextId)}" : $"t-{_nextId++}";
        return new Transfer(NewRequest(from), transferId, from, to, AnyAsset(), AnyAmount(3_000_000));
    }

    /// <summary>A follow-up is delivered, and now and then kept to be delivered again.</summary>
    private Command TakeFollowUp()
    {
        var index = _random.Next(_pendingFollowUps.Count);
        var followUp = _pendingFollowUps[index];
        if (_random.Next(4) != 0) _pendingFollowUps.RemoveAt(index);
        return followUp;
    }

    private void DeliverAllFollowUps()
    {
        var followUps = _pendingFollowUps.ToArray();
        _pendingFollowUps.Clear();
        foreach (var followUp in followUps) Send(followUp);
    }

    private void Send(Command command)
    {
        _sent.Add(command);
        if (command is PlaceOrder place && !_orders.Contains((place.Request.UserId, place.OrderId)))
            _orders.Add((place.Request.UserId, place.OrderId));
        var state = _states[PartitionOf(command.Request.UserId)];
        var decided = LedgerDecider.Decide(command, state, _now);
        // The writer's reply rule: a command that decides nothing is answered with the first outcome
        // under its key. Every command gets one or the other, never silence.
        Check(decided.Count > 0 || state.Requests.TryRecall(command.Request.UserId, command.Request.IdempotencyKey, out _),
            () => $"{command} decided nothing and has no first outcome to answer with");
        foreach (var @event in decided)
        {
            Check(_decidedKeys.Add((@event.Request.UserId, @event.Request.IdempotencyKey)),
                () => $"key {@event.Request.IdempotencyKey} of {@event.Request.UserId} took effect twice");
            Apply(@event);
            _pendingFollowUps.AddRange(LedgerDecider.FollowUps(@event));
        }
    }

    private void Apply(LedgerEvent @event)
    {
        Check(PostingsSumToZeroPerAsset(@event.Postings), () => $"postings of {@event} do not sum to zero");
        CheckAppliesOnce(@event);
        var partition = PartitionOf(@event.Request.UserId);
        LedgerDecider.Evolve(_states[partition], @event);
        _logs[partition].Add(@event);
        foreach (var (account, balance) in _states[partition].Balances)
            Check(balance.Available >= 0 && balance.Held >= 0, () => $"{account} is negative: {balance}");
    }

    private void CheckAppliesOnce(LedgerEvent @event)
    {
        var fact = @event switch
        {
            OrderFilled e => $"fill {e.Request.UserId}/{e.OrderId}/{e.FillId}",
            TransferDebited e => $"debit {e.FromUserId}/{e.TransferId}",
            TransferCredited e => $"credit {e.FromUserId}/{e.TransferId}",
            TransferCreditRejected e => $"credit {e.FromUserId}/{e.TransferId}",
            TransferRefunded e => $"refund {e.FromUserId}/{e.TransferId}",
            _ => null,
        };
        if (fact is not null) Check(_onceFacts.Add(fact), () => $"{fact} applied twice");
    }

    /// <summary>Independent of Posting.Balance: a plain sum per asset.</summary>
    private static bool PostingsSumToZeroPerAsset(IReadOnlyList<Posting> postings) =>
        postings.GroupBy(p => p.Asset).All(group => group.Aggregate(Int128.Zero, (sum, p) => sum + p.Amount) == 0);

    private void CheckLedgerSumsToZero(bool requireNothingInFlight)
    {
        var totals = new Dictionary<string, Int128>();
        void Add(string asset, long amount) => totals[asset] = totals.GetValueOrDefault(asset) + amount;
        foreach (var state in _states)
        {
            foreach (var (account, balance) in state.Balances) Add(account.Asset, (long)balance.Available + balance.Held);
        }
        var inFlight = new Dictionary<string, Int128>();
        foreach (var posting in _logs.SelectMany(log => log).SelectMany(e => e.Postings).Where(p => !p.IsUserBook))
        {
            Add(posting.Asset, posting.Amount);
            if (posting.Book == Book.TransfersInFlight) inFlight[posting.Asset] = inFlight.GetValueOrDefault(posting.Asset) + posting.Amount;
        }
        foreach (var (asset, total) in totals) Check(total == 0, () => $"the ledger sums to {total} in {asset}, not zero");
        if (requireNothingInFlight)
        {
            foreach (var (asset, total) in inFlight) Check(total == 0, () => $"{total} {asset} is still in flight after every saga ended");
        }
    }

    private void CheckHoldsMatchOpenOrders()
    {
        foreach (var state in _states)
        {
            var heldByOrders = state.Orders.Where(o => o.Status == OrderStatus.Open)
                .GroupBy(o => new AccountKey(o.OwnerId, o.HeldAsset))
                .ToDictionary(g => g.Key, g => g.Sum(o => o.HeldRemaining));
            foreach (var (account, balance) in state.Balances)
                Check(balance.Held == heldByOrders.GetValueOrDefault(account), () => $"{account} holds {balance.Held}, its open orders hold {heldByOrders.GetValueOrDefault(account)}");
        }
    }

    private void CheckReplayEqualsState()
    {
        for (var partition = 0; partition < PartitionCount; partition++)
        {
            var replayed = new LedgerState();
            foreach (var @event in _logs[partition]) LedgerDecider.Evolve(replayed, @event);
            var expected = _states[partition].Balances.OrderBy(b => b.Key.ToString(), StringComparer.Ordinal).ToArray();
            var actual = replayed.Balances.OrderBy(b => b.Key.ToString(), StringComparer.Ordinal).ToArray();
            Check(expected.SequenceEqual(actual), () => $"partition {partition}: balances differ from a replay of its events");
            Check(_states[partition].Orders.OrderBy(o => (o.OwnerId, o.OrderId)).SequenceEqual(replayed.Orders.OrderBy(o => (o.OwnerId, o.OrderId))),
                () => $"partition {partition}: orders differ from a replay of its events");
            Check(replayed.EventsApplied == _states[partition].EventsApplied, () => $"partition {partition}: event counts differ");
        }
    }

    private Order? FindOrder(string ownerId, string orderId) =>
        _states[PartitionOf(ownerId)].TryGetOrder(ownerId, orderId, out var order) ? order : null;

    /// <summary>Command ids come from the case's random too, so its seed replays the case byte for byte.</summary>
    private Request NewRequest(string userId)
    {
        Span<byte> id = stackalloc byte[16];
        _random.NextBytes(id);
        return new Request(new Guid(id), userId, $"k-{_nextId++}", "fingerprint");
    }

    private string AnyUser() => AnyOf(Users);

    private string AnyAsset() => AnyOf(Assets);

    private T AnyOf<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>Mostly ordinary amounts; now and then zero, negative or beyond what may move.</summary>
    private long AnyAmount(long ordinaryMax) => _random.Next(40) switch
    {
        0 => 0,
        1 => -1 - _random.Next(1000),
        2 => Ledger.Domain.Assets.Amount.MinorUnitsMax + 1,
        _ => 1 + _random.NextInt64(ordinaryMax),
    };

    /// <summary>The message is made only on failure: events' descriptions are costly to format.</summary>
    private void Check(bool condition, Func<string> what)
    {
        if (!condition) Assert.Fail($"case seed {_seed} (LEDGER_PROPERTY_SEED={_seed}): {what()}");
    }
}
