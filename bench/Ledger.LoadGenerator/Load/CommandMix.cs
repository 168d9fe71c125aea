using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;

namespace Ledger.LoadGenerator.Load;

public enum CommandKind { Deposit, Withdrawal, Order, Fill, Transfer }

/// <summary>An order this run placed and the ledger accepted, waiting for its fill.</summary>
public sealed record OpenOrder(string OrderId, string Side);

/// <summary>One request to send: its route, JSON body and Authorization header ("Bearer " and the token).</summary>
public sealed record PlannedRequest(CommandKind Kind, int Rank, string Path, byte[] Body, string Authorization, OpenOrder? Placing);

/// <summary>
/// The commands a run sends, by weight: deposits (treasury), withdrawals, buy and sell orders on
/// BTC-USD, fills (engine) of orders this run placed, and transfers to another user. Amounts are
/// small against what <see cref="Funding"/> deposits, so most commands are accepted; what the ledger
/// refuses (a fill with no open order left, money run out) is counted as rejected, not as an error.
/// What is the same every time (each user's deposit and withdrawal bodies, the Authorization headers)
/// is made once, before the run: the generator's CPU is taken from the systems it measures.
/// </summary>
public sealed class CommandMix
{
    /// <summary>Weights in percent, in the order of <see cref="CommandKind"/>.</summary>
    public static readonly int[] Weights = [15, 15, 30, 25, 15];

    /// <summary>Open orders remembered per user at most; more are simply never filled.</summary>
    public const int OpenOrdersPerUserMax = 1_000;

    /// <summary>The longest body a command may have; an order's, the longest, is about 150 bytes.</summary>
    public const int BodyBytesMax = 512;

    public const string Market = "BTC-USD";
    public const string OrderPrice = "100.00";
    public const string OrderQuantity = "0.01";

    public const string DepositsPath = "/v1/deposits";
    public const string WithdrawalsPath = "/v1/withdrawals";
    public const string OrdersPath = "/v1/orders";
    public const string TransfersPath = "/v1/transfers";

    private readonly int _users;
    private readonly string _runId;
    private readonly string[] _userIds; // index = rank - 1, as for the three below
    private readonly string[] _userAuthorizations;
    private readonly byte[][] _depositBodies;
    private readonly byte[][] _withdrawalBodies;
    private readonly string _treasuryAuthorization;
    private readonly string _engineAuthorization;
    private readonly ConcurrentDictionary<int, ConcurrentQueue<OpenOrder>> _openOrders = new();
    private long _orders;

    public CommandMix(Tokens tokens, int users, string runId)
    {
        _users = users;
        _runId = runId;
        _userIds = new string[users];
        _userAuthorizations = new string[users];
        _depositBodies = new byte[users][];
        _withdrawalBodies = new byte[users][];
        for (var rank = 1; rank <= users; rank++)
        {
            var user = UserId(rank);
            _userIds[rank - 1] = user;
            _userAuthorizations[rank - 1] = Bearer(tokens.User(rank));
            _depositBodies[rank - 1] = Encoding.UTF8.GetBytes($$"""{"userId":"{{user}}","asset":"USD","amount":"10.00"}""");
            _withdrawalBodies[rank - 1] = Encoding.UTF8.GetBytes($$"""{"userId":"{{user}}","asset":"USD","amount":"1.00"}""");
        }
        _treasuryAuthorization = Bearer(tokens.Treasury);
        _engineAuthorization = Bearer(tokens.Engine);
    }

    public static string UserId(int rank) => $"u{rank}";

    public static string FillsPath(string orderId) => $"/v1/orders/{orderId}/fills";

    public PlannedRequest Next(Random random, int rank)
    {
        var kind = Pick(random);
        var user = _userIds[rank - 1];
        Span<byte> body = stackalloc byte[BodyBytesMax];
        int length;
        switch (kind)
        {
            case CommandKind.Deposit:
                return new(kind, rank, DepositsPath, _depositBodies[rank - 1], _treasuryAuthorization, null);
            case CommandKind.Withdrawal:
                return new(kind, rank, WithdrawalsPath, _withdrawalBodies[rank - 1], _userAuthorizations[rank - 1], null);
            case CommandKind.Fill when TakeOpenOrder(rank) is { } order:
                Check(Utf8.TryWrite(body,
                    $$"""{"userId":"{{user}}","fillId":"f1","market":"{{Market}}","side":"{{order.Side}}","quantity":"{{OrderQuantity}}","price":"{{OrderPrice}}"}""",
                    out length));
                return new(kind, rank, FillsPath(order.OrderId), body[..length].ToArray(), _engineAuthorization, null);
            case CommandKind.Transfer when _users > 1:
                var to = random.Next(1, _users);
                if (to >= rank) to++; // never to oneself
                Check(Utf8.TryWrite(body,
                    $$"""{"fromUserId":"{{user}}","toUserId":"{{_userIds[to - 1]}}","asset":"USD","amount":"0.01"}""", out length));
                return new(kind, rank, TransfersPath, body[..length].ToArray(), _userAuthorizations[rank - 1], null);
            default: // an order; also a fill with no open order to fill, or a transfer with nobody to send to
                var placing = new OpenOrder($"{_runId}-o{Interlocked.Increment(ref _orders)}", random.Next(2) == 0 ? "buy" : "sell");
                Check(Utf8.TryWrite(body,
                    $$"""{"orderId":"{{placing.OrderId}}","userId":"{{user}}","market":"{{Market}}","side":"{{placing.Side}}","price":"{{OrderPrice}}","quantity":"{{OrderQuantity}}"}""",
                    out length));
                return new(CommandKind.Order, rank, OrdersPath, body[..length].ToArray(), _userAuthorizations[rank - 1], placing);
        }
    }

    /// <summary>Called when the ledger accepted an order: a later fill may take it.</summary>
    public void Accepted(PlannedRequest request)
    {
        if (request.Placing is null) return;
        var queue = _openOrders.GetOrAdd(request.Rank, _ => new ConcurrentQueue<OpenOrder>());
        if (queue.Count < OpenOrdersPerUserMax) queue.Enqueue(request.Placing);
    }

    private OpenOrder? TakeOpenOrder(int rank) =>
        _openOrders.TryGetValue(rank, out var queue) && queue.TryDequeue(out var order) ? order : null;

    private static CommandKind Pick(Random random)
    {
        var draw = random.Next(100);
        for (var kind = 0; kind < Weights.Length; kind++)
        {
            if (draw < Weights[kind]) return (CommandKind)kind;
            draw -= Weights[kind];
        }
        throw new InvalidOperationException("the weights must add up to 100");
    }

    private static string Bearer(string token) => $"Bearer {token}";

    private static void Check(bool written)
    {
        if (!written) throw new InvalidOperationException($"a command's body is longer than {BodyBytesMax} bytes");
    }
}
