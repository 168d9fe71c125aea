using System.Collections.Concurrent;
using System.Text;

namespace Ledger.LoadGenerator.Load;

public enum CommandKind { Deposit, Withdrawal, Order, Fill, Transfer }

/// <summary>An order this run placed and the ledger accepted, waiting for its fill.</summary>
public sealed record OpenOrder(string OrderId, string Side);

/// <summary>One request to send: its route, JSON body and bearer token.</summary>
public sealed record PlannedRequest(CommandKind Kind, int Rank, string Path, byte[] Body, string Token, OpenOrder? Placing);

/// <summary>
/// The commands a run sends, by weight: deposits (treasury), withdrawals, buy and sell orders on
/// BTC-USD, fills (engine) of orders this run placed, and transfers to another user. Amounts are
/// small against what <see cref="Funding"/> deposits, so most commands are accepted; what the ledger
/// refuses (a fill with no open order left, money run out) is counted as rejected, not as an error.
/// </summary>
public sealed class CommandMix(Tokens tokens, int users, string runId)
{
    /// <summary>Weights in percent, in the order of <see cref="CommandKind"/>.</summary>
    public static readonly int[] Weights = [15, 15, 30, 25, 15];

    /// <summary>Open orders remembered per user at most; more are simply never filled.</summary>
    public const int OpenOrdersPerUserMax = 1_000;

    public const string Market = "BTC-USD";
    public const string OrderPrice = "100.00";
    public const string OrderQuantity = "0.01";

    private readonly ConcurrentDictionary<int, ConcurrentQueue<OpenOrder>> _openOrders = new();
    private long _orders;

    public static string UserId(int rank) => $"u{rank}";

    public PlannedRequest Next(Random random, int rank)
    {
        var kind = Pick(random);
        var user = UserId(rank);
        switch (kind)
        {
            case CommandKind.Deposit:
                return new(kind, rank, "/v1/deposits", Json($$"""{"userId":"{{user}}","asset":"USD","amount":"10.00"}"""), tokens.Treasury, null);
            case CommandKind.Withdrawal:
                return new(kind, rank, "/v1/withdrawals", Json($$"""{"userId":"{{user}}","asset":"USD","amount":"1.00"}"""), tokens.User(rank), null);
            case CommandKind.Fill when TakeOpenOrder(rank) is { } order:
                return new(kind, rank, $"/v1/orders/{order.OrderId}/fills", Json($$"""
                    {"userId":"{{user}}","fillId":"f1","market":"{{Market}}","side":"{{order.Side}}","quantity":"{{OrderQuantity}}","price":"{{OrderPrice}}"}
                    """), tokens.Engine, null);
            case CommandKind.Transfer when users > 1:
                var to = random.Next(1, users);
                if (to >= rank) to++; // never to oneself
                return new(kind, rank, "/v1/transfers", Json($$"""{"fromUserId":"{{user}}","toUserId":"{{UserId(to)}}","asset":"USD","amount":"0.01"}"""),
                    tokens.User(rank), null);
            default: // an order; also a fill with no open order to fill, or a transfer with nobody to send to
                var placing = new OpenOrder($"{runId}-o{Interlocked.Increment(ref _orders)}", random.Next(2) == 0 ? "buy" : "sell");
                return new(CommandKind.Order, rank, "/v1/orders", Json($$"""
                    {"orderId":"{{placing.OrderId}}","userId":"{{user}}","market":"{{Market}}","side":"{{placing.Side}}","price":"{{OrderPrice}}","quantity":"{{OrderQuantity}}"}
                    """), tokens.User(rank), placing);
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

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
