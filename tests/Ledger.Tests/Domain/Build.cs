using Ledger.Domain;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;

namespace Ledger.Tests.Domain;

/// <summary>Short names for the commands and events the tests talk about. Every command gets a
/// fresh idempotency key unless one is given.</summary>
public static class Build
{
    public const string Alice = "alice";
    public const string Bob = "bob";
    public static readonly DateTimeOffset Earlier = Scenario.Now.AddMinutes(-1);
    public static readonly Market BtcUsd = MarketCatalog.Default.Get("BTC-USD");

    public static Request RequestOf(string userId, string? key = null) =>
        new(Guid.NewGuid(), userId, key ?? Guid.NewGuid().ToString("N"), "fingerprint");

    public static Deposited Deposited(string userId, string asset, long amount) =>
        new(RequestOf(userId), Earlier, asset, amount);

    public static Deposit Deposit(string userId, string asset, long amount, string? key = null) =>
        new(RequestOf(userId, key), asset, amount);

    public static Withdraw Withdraw(string userId, string asset, long amount) => new(RequestOf(userId), asset, amount);

    public static PlaceOrder PlaceOrder(string userId, string orderId, Side side, long price, long quantity, string market = "BTC-USD") =>
        new(RequestOf(userId), orderId, market, side, price, quantity);

    public static OrderPlaced OrderPlaced(string userId, string orderId, Side side, long price, long quantity, long held) =>
        new(RequestOf(userId), Earlier, orderId, BtcUsd, side, price, quantity, held);

    public static CancelOrder CancelOrder(string userId, string orderId) => new(RequestOf(userId), orderId);

    public static Fill Fill(string userId, string orderId, string fillId, Side side, long quantity, long price, long fee) =>
        new(RequestOf(userId), orderId, fillId, "BTC-USD", side, quantity, price, fee);

    public static Transfer Transfer(string from, string to, string asset, long amount, string transferId = "t-1") =>
        new(RequestOf(from), transferId, from, to, asset, amount);

    public static TransferDebited TransferDebited(string from, string to, string asset, long amount, string transferId = "t-1") =>
        new(RequestOf(from), Earlier, transferId, from, to, asset, amount);
}
