using Confluent.Kafka;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Observability;

namespace Ledger.Api.Writer;

/// <summary>
/// This process's member of the consumer group "ledger-writer" on ledger.commands. Kafka gives each
/// partition to exactly one member; for each partition it owns, this member runs one
/// <see cref="PartitionWriter"/> and hands it that partition's commands. When a writer fails, the
/// member leaves the group, drops all its state, and joins again: state is always rebuilt from the
/// log, never patched. A broken ledger invariant stops the process instead.
/// </summary>
internal sealed class WriterGroupMember(WriterContext context, WriterReadiness readiness, ConsumerLag lag) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<int, PartitionWriter> _writers = new();
    private readonly HashSet<int> _paused = new();

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.Factory.StartNew(() => RunUntilStopped(stopping), stopping, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void RunUntilStopped(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                RunMember(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (StopsTheProcess(error))
            {
                context.Log.LogCritical(error, "Writer stopping the process: {Reason}", error.Message);
                Environment.ExitCode = FatalExitCode;
                throw;
            }
            catch (Exception error)
            {
                readiness.Set(false);
                context.Log.LogError(error, "Writer group member failed; rejoining with state rebuilt from the log");
                stopping.WaitHandle.WaitOne(context.Options.RestartBackoff);
            }
        }
    }

    /// <summary>The process's exit code when the writer stopped it to protect money (EX_SOFTWARE).</summary>
    public const int FatalExitCode = 70;

    /// <summary>A broken invariant or a log missing records would come back after every restart.</summary>
    private static bool StopsTheProcess(Exception error) =>
        error is LedgerInvariantViolation or TruncatedLog
        || error.InnerException is LedgerInvariantViolation or TruncatedLog
        || error is AggregateException { InnerExceptions: var inner } && inner.Any(StopsTheProcess);

    private void RunMember(CancellationToken stopping)
    {
        IConsumer<string, byte[]>? consumer = null;
        consumer = new ConsumerBuilder<string, byte[]>(
                KafkaClients.Consumer(context.BootstrapServers, context.Kafka.WriterGroup))
            .SetPartitionsAssignedHandler((assigned, partitions) =>
            {
                RefuseDeletedCommands(assigned, partitions);
                StartWriters(partitions, () => consumer!.ConsumerGroupMetadata, stopping);
            })
            .SetPartitionsRevokedHandler((_, partitions) => StopWriters(partitions.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((_, partitions) => StopWriters(partitions.Select(p => p.Partition.Value)))
            .Build();
        try
        {
            consumer.Subscribe(context.Kafka.CommandsTopic);
            while (!stopping.IsCancellationRequested)
            {
                var record = consumer.Consume(PollTimeout);
                ThrowIfAWriterFailed();
                if (record is not null) Dispatch(consumer, record);
                ResumeDrainedPartitions(consumer);
                lag.SampleWhenDue(consumer, partition => _writers.TryGetValue(partition, out var w) ? w.Backlog : 0);
            }
        }
        finally
        {
            StopWriters(_writers.Keys.ToArray());
            _paused.Clear();
            lag.Clear();
            try { consumer.Close(); } catch (KafkaException error) { context.Log.LogWarning(error, "Closing the writer consumer failed"); }
            consumer.Dispose();
        }
    }

    /// <summary>Commands the broker deleted before any writer decided them were accepted and then lost:
    /// stop rather than start past them.</summary>
    private void RefuseDeletedCommands(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        var committed = consumer.Committed(partitions, context.Options.TransactionTimeout);
        foreach (var position in committed)
            TruncatedLog.ThrowIfMissing(consumer, position.TopicPartition,
                position.Offset == Offset.Unset ? 0 : position.Offset.Value, context.Options.TransactionTimeout);
    }

    private void StartWriters(List<TopicPartition> partitions, Func<IConsumerGroupMetadata> groupMetadata, CancellationToken stopping)
    {
        readiness.Set(false);
        // Recover the partitions side by side: each reads its own slice of ledger.events.
        var started = partitions.AsParallel().WithDegreeOfParallelism(Math.Max(1, Math.Min(partitions.Count, 4)))
            .Select(p => PartitionWriter.Start(p.Partition.Value, context, groupMetadata, stopping)).ToList();
        foreach (var writer in started) _writers[writer.Partition] = writer;
        context.Log.LogInformation("Writing partitions {Partitions}", string.Join(",", _writers.Keys.Order()));
        readiness.Set(true);
    }

    private void StopWriters(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            if (!_writers.Remove(partition, out var writer)) continue;
            writer.Stop();
            writer.Dispose();
            _paused.Remove(partition);
        }
    }

    private void Dispatch(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> record)
    {
        var partition = record.Partition.Value;
        if (!_writers.TryGetValue(partition, out var writer))
            throw new InvalidOperationException($"received a command of partition {partition}, which this member does not own");
        if (writer.TryEnqueue(record)) return;

        // The writer is behind: stop fetching this partition and read this record again later.
        consumer.Pause([record.TopicPartition]);
        consumer.Seek(record.TopicPartitionOffset);
        _paused.Add(partition);
    }

    private void ResumeDrainedPartitions(IConsumer<string, byte[]> consumer)
    {
        foreach (var partition in _paused.ToArray())
        {
            if (_writers[partition].Backlog > context.Options.InboxCapacity / 2) continue;
            consumer.Resume([new TopicPartition(context.Kafka.CommandsTopic, partition)]);
            _paused.Remove(partition);
        }
    }

    private void ThrowIfAWriterFailed()
    {
        var failed = _writers.Values.FirstOrDefault(w => w.Failure is not null);
        if (failed?.Failure is LedgerInvariantViolation violation) throw violation;
        if (failed is not null)
            throw new InvalidOperationException($"the writer of partition {failed.Partition} failed", failed.Failure);
    }
}

/// <summary>Whether this process's writers own their partitions and have recovered them.</summary>
internal sealed class WriterReadiness
{
    private volatile bool _ready;
    public bool IsReady => _ready;
    public void Set(bool ready) => _ready = ready;
}
