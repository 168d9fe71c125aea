using Ledger.Domain;
using Ledger.Domain.Markets;
using Ledger.Domain.Snapshots;
using Ledger.Api.Writer.Snapshots;
using Ledger.Tests.Domain;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Snapshots;

/// <summary>
/// A snapshot is as good as a full replay: on seeded random logs (the domain properties' simulation),
/// a state captured after any prefix of a partition's log, written to bytes, read back, restored, and
/// then given the rest of the log, equals the state built from the whole log, byte for byte of their
/// snapshots, and decides every command sent (repeats included) exactly as it does. A short
/// idempotency window makes requests be forgotten on both sides of the cut. The run prints its seed;
/// LEDGER_SNAPSHOT_SEED reproduces it.
/// </summary>
public sealed class SnapshotProperties(ITestOutputHelper output)
{
    private const int CaseCount = 400;
    private const int StepsPerCase = 60;
    private static readonly TimeSpan[] Windows = [TimeSpan.FromHours(24), TimeSpan.FromSeconds(15)];
    private static readonly SnapshotHeader Header = new("ledger.events", 0, 41, new byte[32], TimeSpan.FromHours(24), "catalog",
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void a_state_restored_from_a_snapshot_then_given_the_rest_of_the_log_equals_the_full_replay()
    {
        var runSeed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SNAPSHOT_SEED"), out var given) ? given : Random.Shared.Next();
        output.WriteLine($"run seed {runSeed} (LEDGER_SNAPSHOT_SEED={runSeed} reproduces it)");
        var random = new Random(runSeed);
        var requestsCarried = 0;
        for (var c = 0; c < CaseCount; c++)
        {
            var caseSeed = random.Next();
            var simulation = new LedgerSimulation(caseSeed);
            simulation.Run(StepsPerCase);
            var window = Windows[c % Windows.Length];
            for (var partition = 0; partition < LedgerSimulation.Partitions; partition++)
            {
                var log = simulation.LogOf(partition);
                var cut = random.Next(log.Count + 1);
                var whole = Replay(new LedgerState(window), log);

                var prefix = Replay(new LedgerState(window), log.Take(cut));
                var (header, image) = SnapshotFile.Decode(SnapshotFile.Encode(Header, prefix.Capture()), MarketCatalog.Default);
                Assert.Equal(Header with { LastEventSha256 = header.LastEventSha256 }, header);
                requestsCarried += image.Requests.Count;
                var restored = Replay(LedgerState.Restore(image, window, MarketCatalog.Default), log.Skip(cut));

                var where = $"run seed {runSeed} (LEDGER_SNAPSHOT_SEED={runSeed}), case {c} (simulation seed {caseSeed}), " +
                            $"window {window}, partition {partition}, cut {cut} of {log.Count} events" +
                            (cut < log.Count ? $" (first after the cut: {log[cut]})" : "");
                if (!SnapshotFile.Encode(Header, whole.Capture()).AsSpan().SequenceEqual(SnapshotFile.Encode(Header, restored.Capture())))
                    Assert.Fail($"{where}: the restored state differs from the full replay: {FirstDifference(whole.Capture(), restored.Capture())}");
                foreach (var command in simulation.Sent.Where(command => LedgerSimulation.Owns(partition, command.Request.UserId)))
                {
                    var now = log.Count > 0 ? log[^1].At.AddSeconds(1) : Header.TakenAt;
                    var (byWhole, byRestored) = (LedgerDecider.Decide(command, whole, now), LedgerDecider.Decide(command, restored, now));
                    Assert.True(byWhole.SequenceEqual(byRestored),
                        $"{where}: {command} is decided differently: [{string.Join(", ", byWhole)}] (whole) vs [{string.Join(", ", byRestored)}] (restored)");
                }
            }
        }
        Assert.True(requestsCarried > CaseCount, "the snapshots carried remembered requests across the cut");
    }

    /// <summary>Where two images first differ, part by part, for the failure's message: enough to find the
    /// cause without replaying it (the idempotency table's layout follows the process's string hashing,
    /// which no seed replays).</summary>
    private static string FirstDifference(PartitionImage whole, PartitionImage restored)
    {
        if (whole.EventsApplied != restored.EventsApplied) return $"events applied {whole.EventsApplied} (whole) vs {restored.EventsApplied} (restored)";
        return Differ("accounts", whole.Accounts, restored.Accounts, (a, b) => a == b)
               ?? Differ("orders", whole.Orders, restored.Orders, (a, b) => a.Order == b.Order && a.FillIds.SequenceEqual(b.FillIds))
               ?? Differ("debited transfers", whole.DebitedTransfers, restored.DebitedTransfers, (a, b) => a == b)
               ?? Differ("decided credits", whole.DecidedCredits, restored.DecidedCredits, (a, b) => a == b)
               ?? Differ("refunded transfers", whole.RefundedTransfers, restored.RefundedTransfers, (a, b) => a == b)
               ?? Differ("remembered requests", whole.Requests, restored.Requests,
                   (a, b) => a.Request == b.Request && a.FirstEvent == b.FirstEvent && a.BalancesAfter.SequenceEqual(b.BalancesAfter))
               ?? "the images are equal item by item, so their encodings differ (SnapshotFile)";
    }

    private static string? Differ<T>(string part, IReadOnlyList<T> whole, IReadOnlyList<T> restored, Func<T, T, bool> same)
    {
        for (var i = 0; i < Math.Min(whole.Count, restored.Count); i++)
            if (!same(whole[i], restored[i])) return $"{part} [{i}]: {whole[i]} (whole) vs {restored[i]} (restored); {whole.Count} vs {restored.Count} in all";
        return whole.Count == restored.Count ? null
            : $"{part}: {whole.Count} (whole) vs {restored.Count} (restored); the first extra: {(whole.Count > restored.Count ? whole[restored.Count] : restored[whole.Count])}";
    }

    private static LedgerState Replay(LedgerState state, IEnumerable<LedgerEvent> events)
    {
        foreach (var @event in events) LedgerDecider.Evolve(state, @event);
        return state;
    }
}
