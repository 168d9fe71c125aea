using System.Diagnostics.Metrics;

namespace Ledger.Api.Writer;

/// <summary>What the writers measure: time inside the writer per batch, Kafka transaction time,
/// commands decided, recovery time, snapshots.</summary>
public sealed class WriterMetrics
{
    public const string MeterName = "Ledger.Writer";

    private readonly Histogram<double> _decideMs;
    private readonly Histogram<double> _transactionMs;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _commands;
    private readonly Histogram<int> _partitionsPerBatch;
    private readonly Counter<long> _deadLetters;
    private readonly Histogram<double> _recoveryMs;
    private readonly Histogram<double> _snapshotCaptureMs;
    private readonly Histogram<double> _snapshotSaveMs;
    private readonly Histogram<long> _snapshotBytes;
    private readonly Counter<long> _snapshotsRefused;

    public WriterMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _decideMs = meter.CreateHistogram<double>("ledger.writer.decide.duration", "ms", "Time inside the writer deciding one batch (all partitions of the transaction)");
        _transactionMs = meter.CreateHistogram<double>("ledger.writer.transaction.duration", "ms", "Kafka transaction time per batch (offsets and commit)");
        _batchSize = meter.CreateHistogram<int>("ledger.writer.batch.size", "{command}", "Commands per batch");
        _commands = meter.CreateCounter<long>("ledger.writer.commands", "{command}", "Commands decided");
        _partitionsPerBatch = meter.CreateHistogram<int>("ledger.writer.batch.partitions", "{partition}", "Partitions with commands in one transaction");
        _deadLetters = meter.CreateCounter<long>("ledger.writer.dead_letters", "{command}", "Undecodable commands sent to the dead-letter topic");
        _recoveryMs = meter.CreateHistogram<double>("ledger.writer.recovery.duration", "ms", "Time to rebuild one partition's state");
        _snapshotCaptureMs = meter.CreateHistogram<double>("ledger.writer.snapshot.capture.duration", "ms",
            "Time inside the writer copying its state for a snapshot (nothing is decided meanwhile)");
        _snapshotSaveMs = meter.CreateHistogram<double>("ledger.writer.snapshot.save.duration", "ms", "Time to encode and write a snapshot, beside the writer");
        _snapshotBytes = meter.CreateHistogram<long>("ledger.writer.snapshot.size", "By", "Size of a snapshot written");
        _snapshotsRefused = meter.CreateCounter<long>("ledger.writer.snapshot.refused", "{snapshot}",
            "Snapshots refused at recovery (corrupt, another configuration, not of this log): the partition was replayed whole");
    }

    /// <summary>One transaction: its commands may be of several partitions.</summary>
    public void BatchDecided(IEnumerable<int> partitions, int size, double decideMs, double transactionMs)
    {
        _decideMs.Record(decideMs);
        _transactionMs.Record(transactionMs);
        _batchSize.Record(size);
        _commands.Add(size);
        _partitionsPerBatch.Record(partitions.Count());
    }

    public void DeadLettered(int partition) => _deadLetters.Add(1, new KeyValuePair<string, object?>("partition", partition));

    public void SnapshotCaptured(int partition, double ms) => _snapshotCaptureMs.Record(ms, new KeyValuePair<string, object?>("partition", partition));

    public void SnapshotSaved(int partition, double ms, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("partition", partition);
        _snapshotSaveMs.Record(ms, tag);
        _snapshotBytes.Record(bytes, tag);
    }

    public void SnapshotRefused(int partition) => _snapshotsRefused.Add(1, new KeyValuePair<string, object?>("partition", partition));

    public void Recovered(int partition, double ms) => _recoveryMs.Record(ms, new KeyValuePair<string, object?>("partition", partition));
}
