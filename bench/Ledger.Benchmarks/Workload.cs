using Ledger.Domain;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Benchmarks;

/// <summary>
/// A partition's day in miniature, made before measuring: every user starts funded, then a mix of
/// deposits, withdrawals, orders, fills, cancels, transfers, refusals and repeated requests (see
/// <see cref="Mix"/>). The commands are generated against a state
/// that evolves as the benchmark's will, so fills find their orders and most commands are accepted.
/// </summary>
public sealed class Workload
{
    public const int UserCount = 10_000;
    private static readonly TimeSpan LedgerStateWindowDefault = Ledger.Domain.Idempotency.IdempotencyMemory.WindowDefault;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private Workload(LedgerEvent[] opening, Command[] warmUp, Command[] commands, DateTimeOffset[] times, TimeSpan window)
    {
        Opening = opening;
        WarmUp = warmUp;
        Commands = commands;
        Times = times;
        IdempotencyWindow = window;
    }

    /// <summary>Events that fund every user; applied before each measured run.</summary>
    public LedgerEvent[] Opening { get; }

    /// <summary>Commands applied (unmeasured) after the opening, so the measured run finds the
    /// idempotency memory full: it remembers exactly the last <see cref="IdempotencyWindow"/> of
    /// commands, and from the first measured command on, each new key makes it forget an old one, as
    /// in a writer that has run for longer than the window.</summary>
    public Command[] WarmUp { get; }

    /// <summary>The measured commands.</summary>
    public Command[] Commands { get; }

    /// <summary>Each command's decision time: one millisecond apart.</summary>
    public DateTimeOffset[] Times { get; }

    /// <summary>One millisecond per warm-up command (a production writer's is 24 h).</summary>
    public TimeSpan IdempotencyWindow { get; }

    public LedgerState OpeningState()
    {
        var state = new LedgerState(IdempotencyWindow);
        foreach (var @event in Opening) LedgerDecider.Evolve(state, @event);
        return state;
    }

    /// <summary>The opening state with the warm-up commands applied: the state the measured run starts from.</summary>
    public LedgerState WarmState()
    {
        var state = OpeningState();
        for (var i = 0; i < WarmUp.Length; i++)
        {
            foreach (var @event in LedgerDecider.Decide(WarmUp[i], state, TimeOf(i))) LedgerDecider.Evolve(state, @event);
        }
        return state;
    }

    private static DateTimeOffset TimeOf(int index) => Start.AddMilliseconds(index + 1);

    public static Workload Generate(int commandCount, int seed, int warmUpCommands = 0)
    {
        var random = new Random(seed);
        var users = Enumerable.Range(0, UserCount).Select(i => $"user-{i:D6}").ToArray();
        var opening = users.SelectMany(user => new LedgerEvent[]
        {
            new Deposited(NewRequest(user, random), Start, "USD", 100_000_000),
            new Deposited(NewRequest(user, random), Start, "BTC", 1_000_000_000),
        }).ToArray();
        var window = warmUpCommands > 0 ? TimeSpan.FromMilliseconds(warmUpCommands) : LedgerStateWindowDefault;
        var workload = new Workload(opening, new Command[warmUpCommands], new Command[commandCount], new DateTimeOffset[commandCount], window);

        var state = workload.OpeningState();
        var mix = new Mix(random, users, state);
        for (var i = 0; i < warmUpCommands + commandCount; i++)
        {
            var now = TimeOf(i);
            var command = mix.Next(i);
            if (i < warmUpCommands) workload.WarmUp[i] = command;
            else (workload.Commands[i - warmUpCommands], workload.Times[i - warmUpCommands]) = (command, now);
            foreach (var @event in LedgerDecider.Decide(command, state, now))
            {
                LedgerDecider.Evolve(state, @event);
                mix.FollowUps.AddRange(LedgerDecider.FollowUps(@event));
            }
        }
        return workload;
    }

    /// <summary>
    /// Which command comes next. Of the commands a client sends, about: 18 % deposits, 10 %
    /// withdrawals (one in ten for more than the balance: refused), 28 % orders placed (one in fifty
    /// on an unknown market: refused), 24 % fills (one in three completing its order), 11 % cancels
    /// (a few of unknown orders: refused), 6 % transfers between users of this partition, and 3 %
    /// repeats of a recent command with the same idempotency key (they decide nothing). Each transfer's
    /// credit (the saga's second step, as the writer would receive it) follows a few commands later.
    /// One user in ten is active and sends four in five of the commands. `--quick` prints the
    /// decided mix.
    /// </summary>
    private sealed class Mix(Random random, string[] users, LedgerState state)
    {
        private const int RecentCommandsKept = 1_000;
        private readonly List<(string OwnerId, string OrderId)> _openOrders = [];
        private readonly Command[] _recent = new Command[RecentCommandsKept];
        private int _sent;

        /// <summary>Saga steps waiting to be delivered.</summary>
        public List<Command> FollowUps { get; } = [];

        public Command Next(int index)
        {
            var command = Choose(index);
            _recent[_sent++ % RecentCommandsKept] = command;
            return command;
        }

        private Command Choose(int index)
        {
            if (FollowUps.Count > 0 && random.Next(3) == 0) return TakeFollowUp();
            var roll = random.Next(100);
            if (roll < 3 && _sent > 0) return _recent[random.Next(Math.Min(_sent, RecentCommandsKept))];
            var user = AnyUser();
            if (roll < 21) return new Deposit(NewRequest(user, random), "USD", 1 + random.Next(100_000));
            if (roll < 31)
            {
                var tooMuch = random.Next(10) == 0;
                return new Withdraw(NewRequest(user, random), "USD", tooMuch ? 1_000_000_000_000 : 1 + random.Next(10_000));
            }
            if (roll < 37)
            {
                var to = AnyUser();
                if (to == user) to = users[(Array.IndexOf(users, user) + 1) % users.Length];
                return new Transfer(NewRequest(user, random), $"t-{index}", user, to, "USD", 1 + random.Next(10_000));
            }
            if (roll < 65 || _openOrders.Count == 0) return PlaceOrder(user, index);
            if (roll < 91) return FillOrCancel(index);
            return CancelUnknownOrder(user, index);
        }

        private string AnyUser() => random.Next(5) < 4
            ? users[random.Next(users.Length / 10)]
            : users[random.Next(users.Length)];

        private Command TakeFollowUp()
        {
            var followUp = FollowUps[0];
            FollowUps.RemoveAt(0);
            return followUp;
        }

        private Command PlaceOrder(string user, int index)
        {
            var orderId = $"o-{index}";
            var market = random.Next(50) == 0 ? "DOGE-USD" : "BTC-USD";
            if (market == "BTC-USD") _openOrders.Add((user, orderId));
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            return new PlaceOrder(NewRequest(user, random), orderId, market, side, 2_900_000 + random.Next(200_000), 1 + random.Next(10_000_000));
        }

        private Command FillOrCancel(int index)
        {
            var pick = random.Next(_openOrders.Count);
            var (owner, id) = _openOrders[pick];
            state.TryGetOrder(owner, id, out var order);
            if (random.Next(10) < 7 && order is { Status: OrderStatus.Open })
            {
                var quantity = random.Next(3) == 0 ? order.RemainingQuantity : 1 + random.NextInt64(order.RemainingQuantity);
                if (quantity == order.RemainingQuantity) RemoveAt(_openOrders, pick);
                return new Fill(NewRequest(owner, random), id, $"f-{index}", "BTC-USD", order.Side, quantity, order.Price, 0);
            }
            RemoveAt(_openOrders, pick);
            return new CancelOrder(NewRequest(owner, random), id);
        }

        private Command CancelUnknownOrder(string user, int index) =>
            random.Next(10) == 0 ? new CancelOrder(NewRequest(user, random), $"no-such-order-{index}") : FillOrCancel(index);
    }

    private static void RemoveAt<T>(List<T> items, int index)
    {
        items[index] = items[^1];
        items.RemoveAt(items.Count - 1);
    }

    /// <summary>Like the edge makes them: a fresh command id, the client's key, a body hash.</summary>
    private static Request NewRequest(string user, Random random)
    {
        var commandId = new Guid(random.NextInt64().ToString("x16") + random.NextInt64().ToString("x16"));
        return new Request(commandId, user, commandId.ToString("N")[..20], Convert.ToHexStringLower(commandId.ToByteArray()));
    }
}
