using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Api.Writer.Snapshots;

namespace Ledger.Benchmarks;

/// <summary>
/// How long a partition writer takes to rebuild its state from ledger.events: read the partition,
/// decode every event, evolve it into a fresh state. librdkafka's mock cluster keeps only the newest
/// 5 MiB of a partition (about 7,000 of these events), so one partition cannot hold 1,000,000 events
/// here. The two parts are therefore measured apart, in one run: decode + evolve of N events held in
/// memory (the writer's own work), and the transport's read rate over the largest partition the mock
/// keeps. Their sum is the estimate for N events read from one partition; on a real broker the
/// client fetches ahead while the writer decodes, so the sum is an upper bound.
/// </summary>
public static class RecoveryMeasurement
{
    public const int EventCountDefault = 1_000_000;
    /// <summary>The writer's default Writer:SnapshotEveryEvents: at most this many events follow a snapshot.</summary>
    private const int EventsAfterSnapshot = 25_000;
    private const int TransportSampleEvents = 6_000; // about 4 MiB: inside what the mock keeps
    private const string Topic = "ledger.events";

    public static void Measure(TextWriter output, int eventCount)
    {
        var codec = new EventCodec(Domain.Assets.AssetCatalog.Default);
        var clock = Stopwatch.StartNew();
        List<byte[]>? records = EncodedEvents(codec, eventCount);
        output.WriteLine($"generated and encoded {records.Count:N0} events in {clock.Elapsed.TotalSeconds:0.0} s " +
                         $"({records.Sum(r => (long)r.Length) / records.Count} bytes each on average)");

        GC.Collect();
        var processor = ProcessorSeconds();
        clock.Restart();
        var state = new LedgerState();
        foreach (var record in records) LedgerDecider.Evolve(state, codec.DecodeEvent(record));
        var decodeAndEvolve = clock.Elapsed;
        var decodeAndEvolveProcessor = ProcessorSeconds() - processor;

        GC.Collect();
        processor = ProcessorSeconds();
        clock.Restart();
        LedgerState? replayed = new LedgerState();
        var replay = new EventReplay(codec, replayed);
        foreach (var record in records) replay.Add(record);
        replay.Finish();
        var pipelined = clock.Elapsed;
        var pipelinedProcessor = ProcessorSeconds() - processor;
        if (replayed.EventsApplied != state.EventsApplied || replayed.AccountCount != state.AccountCount)
            throw new InvalidOperationException("the pipelined replay built another state");

        var sample = records.Take(TransportSampleEvents).ToList();
        var readRate = TransportReadRate(sample);
        var transport = TimeSpan.FromSeconds(records.Count / readRate);

        output.WriteLine();
        output.WriteLine($"| part of recovering {records.Count:N0} events | seconds | events/s | CPU seconds (all threads) |");
        output.WriteLine("| --- | ---: | ---: | ---: |");
        output.WriteLine($"| decode + evolve on one thread (measured, all events) | {decodeAndEvolve.TotalSeconds:0.00} | {records.Count / decodeAndEvolve.TotalSeconds:N0} | {decodeAndEvolveProcessor:0.00} |");
        output.WriteLine($"| decode on the thread pool, evolve in order (EventReplay, the writer's way; measured) | {pipelined.TotalSeconds:0.00} | {records.Count / pipelined.TotalSeconds:N0} | {pipelinedProcessor:0.00} |");
        output.WriteLine($"| read one partition over TCP (measured on {sample.Count:N0} events, scaled) | {transport.TotalSeconds:0.00} | {readRate:N0} | |");
        output.WriteLine($"| recovery estimate (EventReplay + transport; upper bound) | {(pipelined + transport).TotalSeconds:0.00} | {records.Count / (pipelined + transport).TotalSeconds:N0} | |");
        output.WriteLine();
        output.WriteLine($"state after recovery: {state.AccountCount:N0} accounts, {state.Requests.Count:N0} remembered keys, " +
                         $"{state.EventsApplied:N0} events applied");
        output.WriteLine();
        state = null!;
        MeasureSnapshot(output, codec, ref records, ref replayed, readRate);

        // The events above are a millisecond apart: all of them within the idempotency window, so the
        // snapshot holds every request (the worst case). A partition that took a month to reach the
        // same count remembers only the last day's requests.
        GC.Collect();
        var month = TimeSpan.FromDays(SpreadDays);
        List<byte[]>? spread = EncodedEvents(codec, eventCount, spacing: month / eventCount);
        LedgerState? whole = new LedgerState();
        var full = new EventReplay(codec, whole);
        foreach (var record in spread) full.Add(record);
        full.Finish();
        output.WriteLine();
        output.WriteLine($"the same count of events spread over {SpreadDays} days (a request is remembered for {whole.Requests.Window.TotalHours:0} h):");
        output.WriteLine();
        MeasureSnapshot(output, codec, ref spread, ref whole, readRate);
    }

    private const int SpreadDays = 30;

    /// <summary>
    /// Recovery from a snapshot: the snapshot taken <see cref="EventsAfterSnapshot"/> events before the
    /// end (the most a writer with the default Writer:SnapshotEveryEvents has to replay after one),
    /// read back and restored, then the events after it replayed; and the state that gives is checked
    /// to be the full replay's, byte for byte of their snapshots. The events and the full replay's
    /// state are let go (the references set to null) before recovery is measured, so that the heap
    /// holds what a recovering writer's holds, not the benchmark's million records as well.
    /// </summary>
    private static void MeasureSnapshot(TextWriter output, EventCodec codec, ref List<byte[]>? records, ref LedgerState? whole, double readRate)
    {
        var all = records ?? throw new ArgumentNullException(nameof(records));
        var cut = Math.Max(0, all.Count - EventsAfterSnapshot);
        LedgerState? atCut = new LedgerState();
        var build = new EventReplay(codec, atCut);
        foreach (var record in all.Take(cut)) build.Add(record);
        build.Finish();
        var header = new SnapshotHeader("ledger.events", 0, cut - 1, new byte[32], atCut.Requests.Window,
            SnapshotFile.CatalogOf(Domain.Assets.AssetCatalog.Default, Domain.Markets.MarketCatalog.Default), DateTimeOffset.UnixEpoch);

        var tailRecords = all.Skip(cut).ToList();
        var eventCount = all.Count;
        var expected = SnapshotFile.Encode(header, whole!.Capture());
        all = null;
        records = null;
        whole = null;

        GC.Collect();
        var clock = Stopwatch.StartNew();
        var image = atCut.Capture();
        var capture = clock.Elapsed;
        var requestsInSnapshot = image.Requests.Count;
        var (accounts, orders) = (atCut.AccountCount, atCut.Orders.Count());
        atCut = null;
        clock.Restart();
        var bytes = SnapshotFile.Encode(header, image);
        var encode = clock.Elapsed;
        var path = Path.Combine(Path.GetTempPath(), $"ledger-recovery-{Environment.ProcessId}.snapshot");
        File.WriteAllBytes(path, bytes);
        image = null;
        bytes = null;

        GC.Collect();
        var processor = ProcessorSeconds();
        clock.Restart();
        var gcs = GC.CollectionCount(0);
        var (_, read) = SnapshotFile.Decode(File.ReadAllBytes(path), Domain.Markets.MarketCatalog.Default);
        var decode = clock.Elapsed;
        var restored = LedgerState.Restore(read, header.IdempotencyWindow, Domain.Markets.MarketCatalog.Default);
        var restore = clock.Elapsed;
        gcs = GC.CollectionCount(0) - gcs;
        read = null;
        clock.Restart();
        var tail = new EventReplay(codec, restored);
        foreach (var record in tailRecords) tail.Add(record);
        tail.Finish();
        var replayTail = clock.Elapsed;
        var processorSeconds = ProcessorSeconds() - processor;
        var size = new FileInfo(path).Length;
        File.Delete(path);
        var transportTail = TimeSpan.FromSeconds(tailRecords.Count / readRate);

        var same = expected.AsSpan().SequenceEqual(SnapshotFile.Encode(header, restored.Capture()));
        if (!same) throw new InvalidOperationException("the snapshot and the events after it built another state than the full replay");

        var total = restore + replayTail + transportTail;
        output.WriteLine($"| recovering {eventCount:N0} events from a snapshot of the first {cut:N0} | seconds | |");
        output.WriteLine("| --- | ---: | --- |");
        output.WriteLine($"| writer's pause to copy its state (Capture; the writer decides nothing meanwhile) | {capture.TotalSeconds:0.00} | {requestsInSnapshot:N0} requests, {accounts:N0} accounts, {orders:N0} orders |");
        output.WriteLine($"| encode the snapshot (beside the writer) | {encode.TotalSeconds:0.00} | {size / 1_048_576.0:N0} MiB, {size / Math.Max(1, cut)} bytes per event behind it |");
        output.WriteLine($"| read, check and restore the snapshot | {restore.TotalSeconds:0.00} | of which reading, checking and decoding {decode.TotalSeconds:0.00} s; {gcs} collections |");
        output.WriteLine($"| replay the {tailRecords.Count:N0} events after it (EventReplay) | {replayTail.TotalSeconds:0.00} | |");
        output.WriteLine($"| read those events over TCP (mock, scaled) | {transportTail.TotalSeconds:0.00} | |");
        output.WriteLine($"| **recovery from the snapshot (sum)** | **{total.TotalSeconds:0.00}** | CPU {processorSeconds:0.00} s without the transport |");
        output.WriteLine();
        output.WriteLine("the state restored from the snapshot and the events after it equals the full replay's (their snapshots are byte for byte equal)");
    }

    private static double ProcessorSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static List<byte[]> EncodedEvents(EventCodec codec, int eventCount, TimeSpan? spacing = null)
    {
        // Repeated requests decide nothing, so a tenth more commands than events are made; the loop stops at eventCount.
        var workload = Workload.Generate(eventCount + eventCount / 10, seed: 7);
        var state = new LedgerState();
        var records = new List<byte[]>(eventCount);
        foreach (var @event in workload.Opening) Append(@event);
        for (var i = 0; i < workload.Commands.Length && records.Count < eventCount; i++)
            foreach (var @event in LedgerDecider.Decide(workload.Commands[i], state, spacing is { } every ? workload.Times[0] + every * i : workload.Times[i]))
                Append(@event);
        return records;

        void Append(LedgerEvent @event)
        {
            LedgerDecider.Evolve(state, @event);
            records.Add(codec.Encode(new EventMessage(@event, LedgerDecider.BalancesAfter(state, @event))));
        }
    }

    /// <summary>Events per second that PartitionReader (the writer's reader) gets from one partition.</summary>
    private static double TransportReadRate(List<byte[]> sample)
    {
        using var cluster = new MockCluster(brokerCount: 1);
        cluster.CreateTopic(Topic, partitions: 1, replicationFactor: 1);
        var partition = new TopicPartition(Topic, 0);
        using (var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(cluster.BootstrapServers)).Build())
        {
            foreach (var record in sample) producer.Produce(partition, new Message<string, byte[]> { Key = "u", Value = record });
            producer.Flush(TimeSpan.FromMinutes(1));
        }
        var clock = Stopwatch.StartNew();
        var read = PartitionReader.ReadToEnd(cluster.BootstrapServers, partition, TimeSpan.FromSeconds(30), _ => { }, CancellationToken.None);
        var elapsed = clock.Elapsed;
        if (read != sample.Count) throw new InvalidOperationException($"read {read} of {sample.Count} events");
        return read / elapsed.TotalSeconds;
    }
}
