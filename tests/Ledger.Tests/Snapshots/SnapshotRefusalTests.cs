using System.Security.Cryptography;
using Ledger.Api.Writer;
using Ledger.Domain;
using Ledger.Domain.Accounts;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Snapshots;
using Ledger.Kafka;
using Ledger.Api.Writer.Snapshots;
using Xunit;

namespace Ledger.Tests.Snapshots;

/// <summary>A snapshot is used whole or not at all: every way one can be wrong is refused with a reason.</summary>
public sealed class SnapshotRefusalTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-snapshots-").FullName;

    [Fact]
    public void a_snapshot_reads_back_as_the_state_it_was_taken_of()
    {
        var state = SomeState();
        var (_, image) = SnapshotFile.Decode(Encode(state), MarketCatalog.Default);
        var restored = LedgerState.Restore(image, state.Requests.Window, MarketCatalog.Default);
        Assert.Equal(state.BalanceOf("alice", "USD"), restored.BalanceOf("alice", "USD"));
        Assert.Equal(new Balance(700_00, 0), restored.BalanceOf("alice", "USD"));
        Assert.True(restored.Requests.TryRecall("alice", "w-1", out var first));
        Assert.IsType<Withdrawn>(first.FirstEvent);
        Assert.Equal(state.EventsApplied, restored.EventsApplied);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(-1)]
    public void a_changed_byte_is_refused_as_corrupt(int position)
    {
        var bytes = Encode(SomeState());
        bytes[position < 0 ? bytes.Length + position : position] ^= 0x01;
        var refused = Assert.Throws<SnapshotRefused>(() => SnapshotFile.Decode(bytes, MarketCatalog.Default));
        Assert.Contains("checksum", refused.Message);
    }

    [Fact]
    public void a_snapshot_cut_short_or_not_a_snapshot_is_refused()
    {
        var bytes = Encode(SomeState());
        Assert.Throws<SnapshotRefused>(() => SnapshotFile.Decode(bytes.AsMemory(0, bytes.Length / 2), MarketCatalog.Default));
        Assert.Contains("not a ledger snapshot", Assert.Throws<SnapshotRefused>(() => SnapshotFile.Decode(new byte[100], MarketCatalog.Default)).Message);
    }

    [Fact]
    public void another_format_version_is_refused_even_with_a_good_checksum()
    {
        var bytes = Encode(SomeState());
        bytes[8] = 99; // the version follows the 8-byte magic
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes.AsSpan(bytes.Length - 32));
        Assert.Contains("format version 99", Assert.Throws<SnapshotRefused>(() => SnapshotFile.Decode(bytes, MarketCatalog.Default)).Message);
    }

    [Fact]
    public void an_order_on_a_market_no_longer_configured_is_refused()
    {
        var state = SomeState();
        var fewerMarkets = new MarketCatalog([new Market("ETH-USD", "ETH", "USD")], AssetCatalog.Default);
        Assert.Contains("BTC-USD", Assert.Throws<SnapshotRefused>(() => SnapshotFile.Decode(Encode(state), fewerMarkets)).Message);
    }

    [Fact]
    public void an_image_no_state_could_have_is_refused_by_restore()
    {
        var image = SomeState().Capture();
        var negative = image with { Accounts = [new AccountImage("bob", "USD", new Balance(-1, 0))] };
        Assert.Throws<ArgumentException>(() => LedgerState.Restore(negative, TimeSpan.FromHours(24), MarketCatalog.Default));
        var twice = image with { Accounts = [.. image.Accounts, image.Accounts[0]] };
        Assert.Throws<ArgumentException>(() => LedgerState.Restore(twice, TimeSpan.FromHours(24), MarketCatalog.Default));
    }

    [Fact]
    public void the_store_refuses_a_snapshot_of_another_partition_window_or_catalog()
    {
        var kafka = new KafkaOptions();
        var store = new SnapshotStore(_directory, kafka, TimeSpan.FromHours(24), AssetCatalog.Default, MarketCatalog.Default);
        var state = SomeState();
        store.Save(Header(kafka.EventsTopic, 3, store.Catalog, TimeSpan.FromHours(24)), state.Capture());
        Assert.NotNull(store.Load(3));
        Assert.Null(store.Load(4));

        File.Copy(store.PathOf(3), store.PathOf(4));
        Assert.Contains("not", Assert.Throws<SnapshotRefused>(() => store.Load(4)).Message);

        var shorterWindow = new SnapshotStore(_directory, kafka, TimeSpan.FromHours(1), AssetCatalog.Default, MarketCatalog.Default);
        Assert.Contains("remembers requests", Assert.Throws<SnapshotRefused>(() => shorterWindow.Load(3)).Message);

        var otherScale = new AssetCatalog([.. AssetCatalog.Defaults.Select(a => a.Code == "USD" ? a with { Scale = 4 } : a)]);
        var rescaled = new SnapshotStore(_directory, kafka, TimeSpan.FromHours(24), otherScale, new MarketCatalog(MarketCatalog.Defaults, otherScale));
        Assert.Contains("assets and markets", Assert.Throws<SnapshotRefused>(() => rescaled.Load(3)).Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SnapshotHeader Header(string topic, int partition, string catalog, TimeSpan window) =>
        new(topic, partition, 7, SHA256.HashData("last"u8), window, catalog, At);

    private static byte[] Encode(LedgerState state) =>
        SnapshotFile.Encode(Header("ledger.events", 0, "catalog", state.Requests.Window), state.Capture());

    /// <summary>Balances, a hold for an open order with a fill, and remembered requests.</summary>
    private static LedgerState SomeState()
    {
        var state = new LedgerState();
        Decide(state, new Deposit(Request("alice", "d-1"), "USD", 1_000_00));
        Decide(state, new Withdraw(Request("alice", "w-1"), "USD", 300_00));
        Decide(state, new Deposit(Request("bob", "d-2"), "BTC", 2_0000_0000));
        Decide(state, new Ledger.Domain.Orders.PlaceOrder(Request("bob", "o-1"), "o-1", "BTC-USD", Ledger.Domain.Orders.Side.Sell, 50_000_00, 1_0000_0000));
        Decide(state, new Ledger.Domain.Orders.Fill(Request("bob", "f-1"), "o-1", "f-1", "BTC-USD", Ledger.Domain.Orders.Side.Sell, 5000_0000, 50_000_00, 10));
        return state;
    }

    private static void Decide(LedgerState state, Command command)
    {
        foreach (var @event in LedgerDecider.Decide(command, state, At)) LedgerDecider.Evolve(state, @event);
    }

    private static Request Request(string userId, string key) => new(Guid.NewGuid(), userId, key, "fingerprint");
}
