using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Api.Commands;
using Ledger.Api.ReadModel;
using Ledger.Domain;
using Ledger.Kafka;
using Ledger.Observability;

namespace Ledger.Api.Writer;

/// <summary>
/// This process's member of the consumer group "ledger-writer" on ledger.commands. Kafka gives each
/// partition to exactly one member; this member keeps one <see cref="PartitionWriter"/> per partition
/// it owns and decides all their commands on ONE thread, with ONE transactional producer: per batch
/// (whatever arrived while the last transaction committed, up to <see cref="WriterOptions.BatchSizeMax"/>)
/// it decides every command in log order, then produces the events and commits the consumed offsets
/// in one Kafka transaction, and only then answers the callers waiting in this process. Besides
/// ledger.commands, it decides the commands this process's edge hands it for the partitions it owns
/// (<see cref="WriterInbox"/>), in the same batches. One thread
/// and one transaction per process, not per partition: a transaction costs about the same for 1
/// command or 500, so one per batch across partitions replaces one per partition (its commit still
/// grows with the partitions it spans: docs/benchmarks.md).
/// When anything fails, the member leaves the group, drops all its state, and joins again: state is
/// always rebuilt from the log, never patched. A broken ledger invariant stops the process instead.
/// </summary>
internal sealed class WriterGroupMember(WriterContext context, WriterReadiness readiness, ConsumerLag lag,
    LocalWriters local, CommandOutcomes outcomes, WriterInbox inbox) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>How long after a commit the writer waits for delivery reports still outstanding (the
    /// commit's flush normally leaves none) before it answers without a consistency token.</summary>
    private static readonly TimeSpan DeliveryReportsWaitMax = TimeSpan.FromMilliseconds(200);
    private readonly Dictionary<int, PartitionWriter> _writers = new();

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.Factory.StartNew(() => RunUntilStopped(stopping), stopping, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void RunUntilStopped(CancellationToken stopping)
    {
        Thread.CurrentThread.Name = "ledger-writer";
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

    /// <summary>The process's exit code when a Kafka transaction call stuck in librdkafka ended it
    /// (<see cref="TransactionWatchdog"/>; EX_TEMPFAIL): nothing is wrong with the ledger, and starting
    /// the process again is the remedy, unlike <see cref="FatalExitCode"/>.</summary>
    public const int StuckExitCode = 75;

    /// <summary>A broken invariant or a log missing records would come back after every restart.</summary>
    private static bool StopsTheProcess(Exception error) =>
        error is LedgerInvariantViolation or TruncatedLog
        || error.InnerException is LedgerInvariantViolation or TruncatedLog
        || error is AggregateException { InnerExceptions: var inner } && inner.Any(StopsTheProcess);

    private void RunMember(CancellationToken stopping)
    {
        // A stable Writer:InstanceId makes a restarted instance abort what its predecessor left open.
        var transactionalId = $"{context.Kafka.WriterGroup}-{context.Options.InstanceId}";
        using var watchdog = new TransactionWatchdog(context.Options.TransactionCallStuckAfter, context.Log);
        using var producer = new ProducerBuilder<string, byte[]>(
            KafkaClients.TransactionalProducer(context.BootstrapServers, transactionalId)).Build();
        using (watchdog.Around("init transactions")) producer.InitTransactions(context.Options.TransactionTimeout);
        var consumerConfig = KafkaClients.Consumer(context.BootstrapServers, context.Kafka.WriterGroup);
        var membershipInDoubt = TimeSpan.FromMilliseconds(
            Math.Max(MembershipMarginMs, (consumerConfig.SessionTimeoutMs ?? KafkaTimeouts.SessionTimeoutMs) - MembershipMarginMs));
        using var consumer = new ConsumerBuilder<string, byte[]>(consumerConfig)
            .SetPartitionsAssignedHandler((c, partitions) => TakePartitions(c, producer, watchdog, partitions, stopping))
            .SetPartitionsRevokedHandler((c, partitions) => ReleasePartitions(c, partitions.Select(p => p.Partition.Value)))
            .SetPartitionsLostHandler((c, partitions) => ReleasePartitions(c, partitions.Select(p => p.Partition.Value)))
            .Build();
        var batch = new WriterBatch(producer, context, _writers);
        var records = new List<ConsumeResult<string, byte[]>>(context.Options.BatchSizeMax);
        var handed = new List<HandedCommand>(context.Options.BatchSizeMax);
        watchdog.LeaveGroupWith(() =>
        {
            _exiting = true; // the revocation inside Close has nothing to hand over: the process ends next
            consumer.Close();
        });
        try
        {
            consumer.Subscribe(context.Kafka.CommandsTopic);
            _turnBegan = Stopwatch.GetTimestamp();
            while (!stopping.IsCancellationRequested)
            {
                ThrowIfPaused(membershipInDoubt); // since the last turn: paused after a commit
                _turnBegan = Stopwatch.GetTimestamp();
                Gather(consumer, records, handed);
                if (records.Count + handed.Count > 0)
                {
                    GatherUntilTransactionDue(consumer, records, handed);
                    ThrowIfPaused(membershipInDoubt); // paused inside Consume, commands in hand
                    DecideInOneTransaction(producer, consumer, watchdog, records, handed, batch);
                    records.Clear();
                    handed.Clear();
                }
                SampleLag(consumer);
            }
        }
        catch
        {
            TryAbort(producer, watchdog);
            throw;
        }
        finally
        {
            // Taken but never put in a transaction: nothing was applied, the edge sends them by Kafka.
            foreach (var command in handed) command.End(HandOffEnd.NotTaken);
            handed.Clear();
            inbox.RefuseWaiting();
            watchdog.LeaveGroupWith(null);
            ReleasePartitions(consumer, _writers.Keys.ToArray());
            lag.Clear();
            try { consumer.Close(); } catch (KafkaException error) { context.Log.LogWarning(error, "Closing the writer consumer failed"); }
        }
    }

    /// <summary>
    /// Fills the next batch with what is already waiting: records of ledger.commands and commands handed
    /// in process, never waiting for more once it holds one. With nothing waiting, it waits up to
    /// <see cref="PollTimeout"/>: for a handed command (which wakes it at once) while looking at
    /// ledger.commands every <see cref="WriterOptions.CommandLogPollInterval"/>, since librdkafka's Consume
    /// cannot be woken from outside; or, when the edge hands nothing (<see cref="CommandOptions.DecideInProcess"/>
    /// off), in Consume itself.
    /// </summary>
    private void Gather(IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> records, List<HandedCommand> handed)
    {
        if (!context.HandOff)
        {
            if (consumer.Consume(PollTimeout) is not { } first) return;
            records.Add(first);
            TakeWaiting(consumer, records, handed);
            return;
        }
        var began = Stopwatch.GetTimestamp();
        while (true)
        {
            TakeWaiting(consumer, records, handed);
            if (records.Count + handed.Count > 0 || Stopwatch.GetElapsedTime(began) >= PollTimeout) return;
            inbox.WaitForCommands(context.Options.CommandLogPollInterval);
        }
    }

    /// <summary>When the last transaction began less than <see cref="WriterOptions.TransactionIntervalMin"/>
    /// ago, waits for the rest of it and adds what arrived meanwhile to the batch.</summary>
    private void GatherUntilTransactionDue(IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> records,
        List<HandedCommand> handed)
    {
        var remaining = context.Options.TransactionIntervalMin - Stopwatch.GetElapsedTime(_transactionBegan);
        var max = context.Options.BatchSizeMax;
        if (remaining <= TimeSpan.Zero || records.Count + handed.Count >= max) return;
        Thread.Sleep(remaining);
        TakeWaiting(consumer, records, handed);
    }

    /// <summary>Adds to the batch, up to its size, the records already fetched and the commands already handed.</summary>
    private void TakeWaiting(IConsumer<string, byte[]> consumer, List<ConsumeResult<string, byte[]>> records, List<HandedCommand> handed)
    {
        var max = context.Options.BatchSizeMax;
        while (records.Count + handed.Count < max && consumer.Consume(TimeSpan.Zero) is { } next) records.Add(next);
        if (context.HandOff) inbox.TakeInto(handed, max - records.Count);
    }

    /// <summary>When the writer's last transaction began (Stopwatch ticks).</summary>
    private long _transactionBegan;

    private void DecideInOneTransaction(IProducer<string, byte[]> producer, IConsumer<string, byte[]> consumer,
        TransactionWatchdog watchdog, List<ConsumeResult<string, byte[]>> records, List<HandedCommand> handed, WriterBatch batch)
    {
        var started = _transactionBegan = Stopwatch.GetTimestamp();
        var now = context.Clock.GetUtcNow();
        batch.Begin();
        using var span = batch.Span = WriterTracing.StartBatch(records, handed, context.Kafka.CommandsTopic, batch.Id);
        var touched = new HashSet<int>();
        var inTransaction = new List<HandedCommand>(handed.Count);
        long decided;
        try
        {
            foreach (var record in records)
            {
                // A record fetched before its partition was revoked (inside this batch's Consume calls) is
                // left undecided: its offset is not committed, so the next owner reads it again.
                if (!_writers.TryGetValue(record.Partition.Value, out var writer)) continue;
                writer.Decide(record, now, batch);
                touched.Add(record.Partition.Value);
            }
            foreach (var command in handed)
            {
                // Handed while this member still owned the partition, which it has given up since.
                if (!_writers.TryGetValue(command.Partition, out var writer))
                {
                    command.End(HandOffEnd.NotTaken);
                    continue;
                }
                inTransaction.Add(command);
                writer.Decide(command, now, batch);
                touched.Add(command.Partition);
            }
            touched.UnionWith(batch.StepPartitions);
            decided = Stopwatch.GetTimestamp();

            // Every partition the transaction writes for commits its position, even one it decided only
            // handed commands of (the position unchanged): on Kafka, the offset commit is what fences a
            // writer whose group generation is past, so no transaction of a deposed writer commits.
            var offsets = touched.Select(p => new TopicPartitionOffset(context.Kafka.CommandsTopic, p, _writers[p].NextCommand)).ToList();
            using (watchdog.Around("send offsets to transaction"))
                producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, context.Options.TransactionTimeout);
            using (watchdog.Around("commit transaction")) producer.CommitTransaction(context.Options.TransactionTimeout);
            WriterTracing.Committed(span, offsets.Count);
        }
        catch (Exception error)
        {
            WriterTracing.Failed(span, error);
            // Whether a failed commit took effect is not known here; a retry with the same key tells.
            foreach (var command in inTransaction) command.End(HandOffEnd.Unknown);
            foreach (var command in handed) command.End(HandOffEnd.NotTaken); // the rest: not decided at all
            throw;
        }
        finally
        {
            batch.Span = null;
        }
        // Committed: only now may a caller hear its decision, with where it stands in ledger.events.
        var through = new Dictionary<int, long?>(touched.Count);
        foreach (var partition in touched) through[partition] = _writers[partition].DeliveredThroughAll(DeliveryReportsWaitMax);
        foreach (var (commandId, outcome, partition) in batch.Answers)
            outcomes.Complete(commandId, through.GetValueOrDefault(partition) is { } offset
                ? outcome with { Token = new ConsistencyToken(partition, offset) }
                : outcome);
        foreach (var command in inTransaction) command.End(HandOffEnd.Committed);
        foreach (var partition in touched) _writers[partition].SnapshotWhenDue();
        context.Metrics.BatchDecided(touched.Count, records.Count + inTransaction.Count,
            Stopwatch.GetElapsedTime(started, decided).TotalSeconds,
            Stopwatch.GetElapsedTime(decided).TotalSeconds);
    }

    /// <summary>Recovers the partitions given to this member (side by side: each reads its own slice
    /// of ledger.events) and starts each after the last command its own records say was decided.</summary>
    private IEnumerable<TopicPartitionOffset> TakePartitions(IConsumer<string, byte[]> consumer, IProducer<string, byte[]> producer,
        TransactionWatchdog watchdog, List<TopicPartition> partitions, CancellationToken stopping)
    {
        readiness.Set(false);
        var committed = consumer.Committed(partitions, context.Options.TransactionTimeout)
            .ToDictionary(c => c.Partition.Value, c => c.Offset == Offset.Unset ? 0 : c.Offset.Value);
        var recovered = partitions.AsParallel().WithDegreeOfParallelism(Math.Max(1, Math.Min(partitions.Count, 4)))
            .Select(p => PartitionWriter.Recover(p.Partition.Value, context, committed[p.Partition.Value], stopping)).ToList();
        SendUnsureFollowUps(producer, watchdog, recovered);
        var start = new List<TopicPartitionOffset>();
        foreach (var writer in recovered)
        {
            var partition = new TopicPartition(context.Kafka.CommandsTopic, writer.Partition);
            // Commands the broker deleted before any writer decided them were accepted and then lost:
            // stop rather than start past them.
            TruncatedLog.ThrowIfMissing(consumer, partition, writer.NextCommand, context.Options.TransactionTimeout);
            _writers[writer.Partition] = writer;
            local.Took(writer.Partition);
            start.Add(new TopicPartitionOffset(partition, writer.NextCommand));
        }
        context.Log.LogInformation("Writing partitions {Partitions}", string.Join(",", _writers.Keys.Order()));
        _turnBegan = Stopwatch.GetTimestamp(); // recovering took time, but the group has just given these partitions
        readiness.Set(true);
        return start;
    }

    /// <summary>Called between transactions (rebalance callbacks run inside Consume), so none is open.</summary>
    private void SendUnsureFollowUps(IProducer<string, byte[]> producer, TransactionWatchdog watchdog, List<PartitionWriter> recovered)
    {
        var followUps = recovered.SelectMany(w => w.UnsureFollowUps).ToList();
        if (followUps.Count == 0) return;
        producer.BeginTransaction();
        foreach (var (followUp, correlationId) in followUps) WriterBatch.FollowUp(producer, context, followUp, correlationId);
        using (watchdog.Around("commit transaction")) producer.CommitTransaction(context.Options.TransactionTimeout);
        context.Log.LogInformation("Sent {Count} saga steps of the taken partitions' last transactions again", followUps.Count);
    }

    private volatile bool _exiting;

    /// <summary>When the writer's current turn of its loop began (Stopwatch ticks); set again once it
    /// has taken partitions, since their recovery runs inside Consume and the assignment is fresh.</summary>
    private long _turnBegan;

    /// <summary>Margin below the group's session timeout at which a writer doubts it still owns its partitions.</summary>
    private const int MembershipMarginMs = 1_000;

    /// <summary>
    /// A writer whose loop stood still for nearly a session timeout (the process stopped, swapped
    /// out, or starved) may have lost its partitions to another writer without knowing yet: its
    /// consumer learns that only at its next heartbeat. Deciding then would decide twice wherever no
    /// broker fences it (librdkafka's mock does not), so it rejoins with state rebuilt from the log
    /// instead, before it produces anything. Time is the monotonic clock, which runs on while a process
    /// is stopped. A pause in the middle of a batch (after its first produce) is not caught here.
    /// </summary>
    private void ThrowIfPaused(TimeSpan membershipInDoubt)
    {
        var stood = Stopwatch.GetElapsedTime(_turnBegan);
        if (stood > membershipInDoubt)
            throw new InvalidOperationException(
                $"the writer's loop stood still for {stood.TotalSeconds:0.0} s (more than {membershipInDoubt.TotalSeconds:0.0} s, near the " +
                "group's session timeout): its partitions may be another writer's now");
    }

    private void ReleasePartitions(IConsumer<string, byte[]> consumer, IEnumerable<int> partitions)
    {
        if (_exiting) return;
        foreach (var partition in partitions)
        {
            if (!_writers.Remove(partition, out var writer)) continue;
            writer.Stop();
            local.Released(partition, ResumePointOf(consumer, partition));
        }
    }

    /// <summary>The ends of the partition's events and replies once this member stopped deciding it:
    /// the edge's outcome listener reads on from there for decisions made elsewhere.</summary>
    private LocalWriters.ResumePoint ResumePointOf(IConsumer<string, byte[]> consumer, int partition)
    {
        long End(string topic)
        {
            try { return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), context.Options.TransactionTimeout).High.Value; }
            catch (KafkaException) { return 0; } // unknown: the listener reads the partition from its start
        }
        return new LocalWriters.ResumePoint(End(context.Kafka.EventsTopic), End(context.Kafka.RepliesTopic));
    }

    private void SampleLag(IConsumer<string, byte[]> consumer)
    {
        if (!lag.SampleWhenDue(consumer)) return;
        foreach (var (partition, behind) in lag.Current) local.Sampled(partition, behind);
    }

    private void TryAbort(IProducer<string, byte[]> producer, TransactionWatchdog watchdog)
    {
        try
        {
            using (watchdog.Around("abort transaction")) producer.AbortTransaction(context.Options.TransactionTimeout);
        }
        catch (Exception error) { context.Log.LogWarning(error, "Writer: abort failed"); }
    }
}

/// <summary>Whether this process's writers own their partitions and have recovered them.</summary>
internal sealed class WriterReadiness
{
    private volatile bool _ready;
    public bool IsReady => _ready;
    public void Set(bool ready) => _ready = ready;
}
