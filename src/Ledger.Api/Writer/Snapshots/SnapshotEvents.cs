using System.Runtime.CompilerServices;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Transfers;
using Ledger.Domain;

namespace Ledger.Api.Writer.Snapshots;

/// <summary>
/// The events a snapshot keeps (each remembered request's first outcome, each debited transfer) in a
/// compact binary form: a snapshot may hold millions of them, and reading them back must cost far
/// less than decoding the JSON of ledger.events again. One tag per event type, then its fields in
/// declaration order. The format is the snapshot's own, never published; <see cref="SnapshotFile"/>
/// versions it as a whole.
/// </summary>
internal static class SnapshotEvents
{
    private enum Tag : byte
    {
        Deposited = 1, DepositRejected, Withdrawn, WithdrawalRejected,
        OrderPlaced, OrderRejected, OrderCancelled, CancelRejected, OrderFilled, FillRejected,
        TransferDebited, TransferRejected, TransferCredited, TransferCreditRejected, TransferRefunded,
    }

    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(SnapshotWriter w, LedgerEvent @event)
    {
        switch (@event)
        {
            case Deposited e: Start(w, Tag.Deposited, e); w.Write(e.Asset); w.Write(e.Amount); break;
            case DepositRejected e: Start(w, Tag.DepositRejected, e); w.Write(e.Asset); w.Write(e.Amount); w.Write(e.Code); break;
            case Withdrawn e: Start(w, Tag.Withdrawn, e); w.Write(e.Asset); w.Write(e.Amount); break;
            case WithdrawalRejected e: Start(w, Tag.WithdrawalRejected, e); w.Write(e.Asset); w.Write(e.Amount); w.Write(e.Code); break;
            case OrderPlaced e:
                Start(w, Tag.OrderPlaced, e); w.Write(e.OrderId); w.Write(e.Market.Symbol); w.Write((byte)e.Side);
                w.Write(e.Price); w.Write(e.Quantity); w.Write(e.Held);
                break;
            case OrderRejected e:
                Start(w, Tag.OrderRejected, e); w.Write(e.OrderId); w.Write(e.Market); w.Write((byte)e.Side); w.Write(e.Asset); w.Write(e.Code);
                break;
            case OrderCancelled e: Start(w, Tag.OrderCancelled, e); w.Write(e.OrderId); w.Write(e.Asset); w.Write(e.Released); break;
            case CancelRejected e: Start(w, Tag.CancelRejected, e); w.Write(e.OrderId); w.Write(e.Code); break;
            case OrderFilled e:
                Start(w, Tag.OrderFilled, e); w.Write(e.OrderId); w.Write(e.FillId); w.Write(e.Market.Symbol); w.Write((byte)e.Side);
                w.Write(e.Quantity); w.Write(e.Price); w.Write(e.QuoteAmount); w.Write(e.Fee); w.Write(e.Released); w.Write(e.Completed);
                break;
            case FillRejected e: Start(w, Tag.FillRejected, e); w.Write(e.OrderId); w.Write(e.FillId); w.Write(e.Code); break;
            case TransferDebited e: Start(w, Tag.TransferDebited, e); WriteTransfer(w, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            case TransferRejected e:
                Start(w, Tag.TransferRejected, e); WriteTransfer(w, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); w.Write(e.Code);
                break;
            case TransferCredited e: Start(w, Tag.TransferCredited, e); WriteTransfer(w, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            case TransferCreditRejected e:
                Start(w, Tag.TransferCreditRejected, e); WriteTransfer(w, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); w.Write(e.Code);
                break;
            case TransferRefunded e: Start(w, Tag.TransferRefunded, e); WriteTransfer(w, e.TransferId, e.FromUserId, e.ToUserId, e.Asset, e.Amount); break;
            default: throw new NotSupportedException($"a snapshot cannot hold a {@event.GetType().Name}");
        }
    }

    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LedgerEvent Read(SnapshotReader r, MarketCatalog markets)
    {
        var tag = (Tag)r.ReadByte();
        var request = ReadRequest(r);
        var at = r.ReadTime();
        return tag switch
        {
            Tag.Deposited => new Deposited(request, at, r.ReadShared(), r.ReadLong()),
            Tag.DepositRejected => new DepositRejected(request, at, r.ReadShared(), r.ReadLong(), r.ReadShared()),
            Tag.Withdrawn => new Withdrawn(request, at, r.ReadShared(), r.ReadLong()),
            Tag.WithdrawalRejected => new WithdrawalRejected(request, at, r.ReadShared(), r.ReadLong(), r.ReadShared()),
            Tag.OrderPlaced => new OrderPlaced(request, at, r.ReadString(), r.ReadMarket(markets), r.ReadSide(),
                r.ReadLong(), r.ReadLong(), r.ReadLong()),
            Tag.OrderRejected => new OrderRejected(request, at, r.ReadString(), r.ReadShared(), r.ReadSide(), r.ReadShared(), r.ReadShared()),
            Tag.OrderCancelled => new OrderCancelled(request, at, r.ReadString(), r.ReadShared(), r.ReadLong()),
            Tag.CancelRejected => new CancelRejected(request, at, r.ReadString(), r.ReadShared()),
            Tag.OrderFilled => new OrderFilled(request, at, r.ReadString(), r.ReadString(), r.ReadMarket(markets), r.ReadSide(),
                r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadBool()),
            Tag.FillRejected => new FillRejected(request, at, r.ReadString(), r.ReadString(), r.ReadShared()),
            Tag.TransferDebited => new TransferDebited(request, at, r.ReadString(), r.ReadShared(), r.ReadShared(), r.ReadShared(), r.ReadLong()),
            Tag.TransferRejected => new TransferRejected(request, at, r.ReadString(), r.ReadShared(), r.ReadShared(), r.ReadShared(), r.ReadLong(),
                r.ReadShared()),
            Tag.TransferCredited => new TransferCredited(request, at, r.ReadString(), r.ReadShared(), r.ReadShared(), r.ReadShared(), r.ReadLong()),
            Tag.TransferCreditRejected => new TransferCreditRejected(request, at, r.ReadString(), r.ReadShared(), r.ReadShared(), r.ReadShared(),
                r.ReadLong(), r.ReadShared()),
            Tag.TransferRefunded => new TransferRefunded(request, at, r.ReadString(), r.ReadShared(), r.ReadShared(), r.ReadShared(), r.ReadLong()),
            _ => throw new SnapshotRefused($"unknown event tag {(byte)tag}"),
        };
    }

    private static void Start(SnapshotWriter w, Tag tag, LedgerEvent @event)
    {
        w.Write((byte)tag);
        w.Write(@event.Request.CommandId);
        w.Write(@event.Request.UserId);
        w.Write(@event.Request.IdempotencyKey);
        w.Write(@event.Request.Fingerprint);
        w.Write(@event.At);
    }

    private static Request ReadRequest(SnapshotReader r) => new(r.ReadGuid(), r.ReadShared(), r.ReadString(), r.ReadString());

    private static void WriteTransfer(SnapshotWriter w, string transferId, string fromUserId, string toUserId, string asset, long amount)
    {
        w.Write(transferId);
        w.Write(fromUserId);
        w.Write(toUserId);
        w.Write(asset);
        w.Write(amount);
    }
}
