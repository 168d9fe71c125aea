using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;
using Ledger.Domain.Snapshots;
using Ledger.Domain.Transfers;
using Ledger.Domain;

namespace Ledger.Api.Writer.Snapshots;

/// <summary>Where a snapshot stands in the log, and what it was taken under.</summary>
/// <param name="LastEventOffset">The offset in ledger.events of the last event the state includes;
/// recovery replays from the record after it.</param>
/// <param name="LastEventSha256">That record's value hashed: recovery reads the record back and
/// compares, so a snapshot is used only against the log it was taken from.</param>
/// <param name="Catalog">The assets and markets configured (<see cref="SnapshotFile.CatalogOf"/>): amounts are
/// minor units of the assets' scales, and orders hold markets.</param>
public sealed record SnapshotHeader(
    string EventsTopic,
    int Partition,
    long LastEventOffset,
    byte[] LastEventSha256,
    TimeSpan IdempotencyWindow,
    string Catalog,
    DateTimeOffset TakenAt);

/// <summary>
/// A snapshot's bytes: a magic and a format version, the <see cref="SnapshotHeader"/>, the
/// <see cref="PartitionImage"/>, and a SHA-256 of everything before it. The same state always gives
/// the same bytes (accounts, orders, fill ids and transfer steps are sorted; requests keep their
/// order), so two states are equal exactly when their snapshots are. Anything that does not read
/// back whole is <see cref="SnapshotRefused"/>.
/// </summary>
public static class SnapshotFile
{
    public const int FormatVersion = 1;
    private const int ChecksumLength = 32;
    private static ReadOnlySpan<byte> Magic => "LDGRSNAP"u8;

    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] Encode(SnapshotHeader header, PartitionImage image)
    {
        using var buffer = new MemoryStream();
        var w = new SnapshotWriter(buffer);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(header.EventsTopic);
        w.Write(header.Partition);
        w.Write(header.LastEventOffset);
        if (header.LastEventSha256.Length != ChecksumLength) throw new ArgumentException("the last event's hash must be a SHA-256");
        w.Write(header.LastEventSha256);
        w.Write(header.IdempotencyWindow.Ticks);
        w.Write(header.Catalog);
        w.Write(header.TakenAt);

        w.Write(image.EventsApplied);
        var accounts = image.Accounts.OrderBy(a => a.UserId, StringComparer.Ordinal).ThenBy(a => a.Asset, StringComparer.Ordinal).ToList();
        w.Write(accounts.Count);
        foreach (var account in accounts)
        {
            w.Write(account.UserId);
            w.Write(account.Asset);
            w.Write(account.Balance.Available);
            w.Write(account.Balance.Held);
        }
        var orders = image.Orders.OrderBy(o => o.Order.OwnerId, StringComparer.Ordinal).ThenBy(o => o.Order.OrderId, StringComparer.Ordinal).ToList();
        w.Write(orders.Count);
        foreach (var (order, fillIds) in orders)
        {
            w.Write(order.OrderId);
            w.Write(order.OwnerId);
            w.Write(order.Market.Symbol);
            w.Write((byte)order.Side);
            w.Write(order.Price);
            w.Write(order.Quantity);
            w.Write(order.Filled);
            w.Write(order.HeldRemaining);
            w.Write((byte)order.Status);
            w.Write(fillIds.Count);
            foreach (var fillId in fillIds.Order(StringComparer.Ordinal)) w.Write(fillId);
        }
        var debited = image.DebitedTransfers.OrderBy(d => d.FromUserId, StringComparer.Ordinal).ThenBy(d => d.TransferId, StringComparer.Ordinal).ToList();
        w.Write(debited.Count);
        foreach (var transfer in debited) SnapshotEvents.Write(w, transfer);
        WriteSteps(w, image.DecidedCredits);
        WriteSteps(w, image.RefundedTransfers);
        // Requests, most of a snapshot, go in chunks that each say their length, so they can be read
        // back on several cores at once.
        var chunks = (image.Requests.Count + RequestsPerChunk - 1) / RequestsPerChunk;
        w.Write(chunks);
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            var first = chunk * RequestsPerChunk;
            var count = Math.Min(RequestsPerChunk, image.Requests.Count - first);
            w.Write(count);
            var lengthAt = w.Position;
            w.Write(0);
            for (var i = first; i < first + count; i++) WriteRequest(w, image.Requests[i]);
            w.WriteAt(lengthAt, (int)(w.Position - lengthAt - sizeof(int)));
        }
        w.Flush();
        var checksum = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(checksum);
        return buffer.ToArray();
    }

    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (SnapshotHeader Header, PartitionImage Image) Decode(ReadOnlyMemory<byte> bytes, MarketCatalog markets)
    {
        if (bytes.Length < Magic.Length + ChecksumLength || !bytes.Span.StartsWith(Magic))
            throw new SnapshotRefused("not a ledger snapshot");
        var content = bytes[..^ChecksumLength];
        if (!SHA256.HashData(content.Span).AsSpan().SequenceEqual(bytes.Span[^ChecksumLength..]))
            throw new SnapshotRefused("its checksum does not match its content (corrupt or cut short)");

        var r = new SnapshotReader(content);
        r.ReadBytes(Magic.Length);
        var version = r.ReadInt();
        if (version != FormatVersion) throw new SnapshotRefused($"format version {version}, this writer reads {FormatVersion}");
        var header = new SnapshotHeader(r.ReadString(), r.ReadInt(), r.ReadLong(), r.ReadBytes(ChecksumLength).ToArray(),
            TimeSpan.FromTicks(r.ReadLong()), r.ReadString(), r.ReadTime());

        var eventsApplied = r.ReadLong();
        var accounts = new AccountImage[r.ReadCount()];
        for (var i = 0; i < accounts.Length; i++)
            accounts[i] = new AccountImage(r.ReadShared(), r.ReadShared(), new Balance(r.ReadLong(), r.ReadLong()));
        var orders = new OrderImage[r.ReadCount()];
        for (var i = 0; i < orders.Length; i++)
        {
            var order = new Order(r.ReadString(), r.ReadShared(), r.ReadMarket(markets), r.ReadSide(), r.ReadLong(), r.ReadLong(),
                r.ReadLong(), r.ReadLong(), r.ReadStatus());
            var fillIds = new string[r.ReadCount()];
            for (var f = 0; f < fillIds.Length; f++) fillIds[f] = r.ReadString();
            orders[i] = new OrderImage(order, fillIds);
        }
        var debited = new TransferDebited[r.ReadCount()];
        for (var i = 0; i < debited.Length; i++)
            debited[i] = SnapshotEvents.Read(r, markets) as TransferDebited ?? throw new SnapshotRefused("a debited transfer is another event");
        var credits = ReadSteps(r);
        var refunds = ReadSteps(r);
        var chunks = new (int Count, ReadOnlyMemory<byte> Bytes)[r.ReadCount()];
        for (var chunk = 0; chunk < chunks.Length; chunk++) chunks[chunk] = (r.ReadCount(), r.ReadSlice(r.ReadCount()));
        if (!r.AtEnd) throw new SnapshotRefused("bytes follow the last request");
        var decoded = new RememberedRequest[chunks.Length][];
        try
        {
            Parallel.For(0, chunks.Length, chunk => decoded[chunk] = ReadRequests(chunks[chunk].Count, chunks[chunk].Bytes, markets));
        }
        catch (AggregateException error)
        {
            throw error.InnerExceptions[0] as SnapshotRefused ?? new SnapshotRefused("a chunk of requests does not read back", error);
        }
        var requests = decoded.SelectMany(chunk => chunk).ToArray();
        return (header, new PartitionImage(eventsApplied, accounts, orders, debited, credits, refunds, requests));
    }

    private const int RequestsPerChunk = 65_536;

    private static void WriteRequest(SnapshotWriter w, RememberedRequest remembered)
    {
        SnapshotEvents.Write(w, remembered.FirstEvent);
        w.Write(remembered.BalancesAfter.Count);
        foreach (var (asset, balance) in remembered.BalancesAfter)
        {
            w.Write(asset);
            w.Write(balance.Available);
            w.Write(balance.Held);
        }
    }

    // Runs seldom, over millions of items: compiled optimized at once, not as quick first-tier code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RememberedRequest[] ReadRequests(int count, ReadOnlyMemory<byte> bytes, MarketCatalog markets)
    {
        var r = new SnapshotReader(bytes);
        var requests = new RememberedRequest[count];
        for (var i = 0; i < requests.Length; i++)
        {
            var first = SnapshotEvents.Read(r, markets);
            var balances = new AssetBalance[r.ReadCount()];
            for (var b = 0; b < balances.Length; b++) balances[b] = new AssetBalance(r.ReadShared(), new Balance(r.ReadLong(), r.ReadLong()));
            requests[i] = new RememberedRequest(first.Request, first, balances);
        }
        if (!r.AtEnd) throw new SnapshotRefused("bytes follow the last request of a chunk");
        return requests;
    }

    /// <summary>The configured assets and markets as one string; a snapshot taken under others is refused.</summary>
    public static string CatalogOf(AssetCatalog assets, MarketCatalog markets) =>
        string.Join(",", assets.All.OrderBy(a => a.Code, StringComparer.Ordinal).Select(a => $"{a.Code}:{a.Scale}"))
        + ";" + string.Join(",", markets.All.OrderBy(m => m.Symbol, StringComparer.Ordinal).Select(m => $"{m.Symbol}={m.BaseAsset}/{m.QuoteAsset}"));

    private static void WriteSteps(SnapshotWriter w, IReadOnlyList<TransferStep> steps)
    {
        var sorted = steps.OrderBy(s => s.FromUserId, StringComparer.Ordinal).ThenBy(s => s.TransferId, StringComparer.Ordinal).ToList();
        w.Write(sorted.Count);
        foreach (var step in sorted)
        {
            w.Write(step.FromUserId);
            w.Write(step.TransferId);
        }
    }

    private static TransferStep[] ReadSteps(SnapshotReader r)
    {
        var steps = new TransferStep[r.ReadCount()];
        for (var i = 0; i < steps.Length; i++) steps[i] = new TransferStep(r.ReadShared(), r.ReadString());
        return steps;
    }
}
