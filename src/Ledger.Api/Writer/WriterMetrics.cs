using Ledger.Observability;
using Prometheus;

namespace Ledger.Api.Writer;

/// <summary>What the writers measure: time inside the writer per batch, Kafka transaction time,
/// commands decided, recovery time, snapshots. Durations in seconds, sizes in bytes.</summary>
public sealed class WriterMetrics
{
    private readonly Histogram _decideSeconds;
    private readonly Histogram _transactionSeconds;
    private readonly Histogram _batchSize;
    private readonly Counter _commands;
    private readonly Histogram _partitionsPerBatch;
    private readonly Counter _deadLetters;
    private readonly Histogram _recoverySeconds;
    private readonly Histogram _snapshotCaptureSeconds;
    private readonly Histogram _snapshotSaveSeconds;
    private readonly Histogram _snapshotBytes;
    private readonly Counter _snapshotsRefused;
    private readonly Counter _madeUpOffsets;

    /// <summary>Snapshot sizes: 1 KiB to 4 GiB, by powers of 4.</summary>
    private static readonly double[] SnapshotBytesBuckets = Histogram.ExponentialBuckets(1024, 4, 12);

    public WriterMetrics(IMetricFactory metrics)
    {
        _decideSeconds = Seconds(metrics, "ledger_writer_decide_duration_seconds", "Time inside the writer deciding one batch (all partitions of the transaction)");
        _transactionSeconds = Seconds(metrics, "ledger_writer_transaction_duration_seconds", "Kafka transaction time per batch (offsets and commit)");
        _batchSize = metrics.CreateHistogram("ledger_writer_batch_size", "Commands per batch", new HistogramConfiguration { Buckets = MetricsEndpoint.CountBuckets });
        _commands = metrics.CreateCounter("ledger_writer_commands_total", "Commands decided");
        _partitionsPerBatch = metrics.CreateHistogram("ledger_writer_batch_partitions", "Partitions with commands in one transaction",
            new HistogramConfiguration { Buckets = MetricsEndpoint.CountBuckets });
        _deadLetters = metrics.CreateCounter("ledger_writer_dead_letters_total", "Undecodable commands sent to the dead-letter topic", ["partition"]);
        _recoverySeconds = Seconds(metrics, "ledger_writer_recovery_duration_seconds", "Time to rebuild one partition's state", "partition");
        _snapshotCaptureSeconds = Seconds(metrics, "ledger_writer_snapshot_capture_duration_seconds",
            "Time inside the writer copying its state for a snapshot (nothing is decided meanwhile)", "partition");
        _snapshotSaveSeconds = Seconds(metrics, "ledger_writer_snapshot_save_duration_seconds", "Time to encode and write a snapshot, beside the writer", "partition");
        _snapshotBytes = metrics.CreateHistogram("ledger_writer_snapshot_size_bytes", "Size of a snapshot written",
            new HistogramConfiguration { LabelNames = ["partition"], Buckets = SnapshotBytesBuckets });
        _snapshotsRefused = metrics.CreateCounter("ledger_writer_snapshot_refused_total",
            "Snapshots refused at recovery (corrupt, another configuration, not of this log, a label behind its state): the partition was replayed whole", ["partition"]);
        _madeUpOffsets = metrics.CreateCounter("ledger_writer_event_offsets_unknown_total",
            "Events whose delivery report gave a made-up offset (a produce retried and acknowledged as a duplicate): no snapshot or consistency token until an event's offset is known again", ["partition"]);
    }

    private static Histogram Seconds(IMetricFactory metrics, string name, string help, params string[] labels) =>
        metrics.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = MetricsEndpoint.SecondsBuckets });

    /// <summary>One transaction: its commands may be of several partitions.</summary>
    public void BatchDecided(int partitions, int size, double decideSeconds, double transactionSeconds)
    {
        _decideSeconds.Observe(decideSeconds);
        _transactionSeconds.Observe(transactionSeconds);
        _batchSize.Observe(size);
        _commands.Inc(size);
        _partitionsPerBatch.Observe(partitions);
    }

    public void DeadLettered(int partition) => _deadLetters.WithLabels(Label(partition)).Inc();

    public void SnapshotCaptured(int partition, double seconds) => _snapshotCaptureSeconds.WithLabels(Label(partition)).Observe(seconds);

    public void SnapshotSaved(int partition, double seconds, long bytes)
    {
        _snapshotSaveSeconds.WithLabels(Label(partition)).Observe(seconds);
        _snapshotBytes.WithLabels(Label(partition)).Observe(bytes);
    }

    public void SnapshotRefused(int partition) => _snapshotsRefused.WithLabels(Label(partition)).Inc();

    public void EventOffsetUnknown(int partition) => _madeUpOffsets.WithLabels(Label(partition)).Inc();

    public void Recovered(int partition, double seconds) => _recoverySeconds.WithLabels(Label(partition)).Observe(seconds);

    private static string Label(int partition) => partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
