using System.Diagnostics;
using Confluent.Kafka;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Observability;
using Ledger.Projector.Observability;
using Npgsql;

namespace Ledger.Projector.Projection;

/// <summary>
/// This process's member of the consumer group "ledger-projector" on ledger.events. It reads
/// batches and writes each batch in ONE PostgreSQL transaction (BatchWriter): event store, read models, and the
/// offsets it consumed. The offsets in PostgreSQL are the truth: on assignment it starts from them,
/// so a crash between the PostgreSQL commit and the Kafka commit repeats nothing.
/// </summary>
public sealed class ProjectorGroupMember(
    ProjectorOptions options,
    KafkaOptions kafka,
    BootstrapServers bootstrap,
    EventCodec codec,
    NpgsqlDataSource database,
    ProjectorMetrics metrics,
    ProjectorReadiness readiness,
    ConsumerLag lag,
    ILogger<ProjectorGroupMember> log) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(20);

    // Positions as this member last read or wrote them; only touched on the consuming thread.
    private readonly Dictionary<int, long?> _stored = new();
    private readonly List<ProjectedEvent> _batch = new();
    private readonly BatchCorrelation _correlation = new();
    private readonly BatchTrace _trace = new();

    protected override Task ExecuteAsync(CancellationToken stopping) => Task.Run(() => RunUntilStopped(stopping), stopping);

    private async Task RunUntilStopped(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await RunMember(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (IsBug(error))
            {
                log.LogCritical(error, "Projector stopping the process: {Reason}", error.Message);
                Environment.ExitCode = FatalExitCode;
                throw;
            }
            catch (Exception error)
            {
                readiness.Set(false);
                log.LogError(error, "Projector failed; rejoining from the offsets stored in PostgreSQL");
                await Task.Delay(options.RestartBackoff, stopping);
            }
        }
    }

    /// <summary>The process's exit code when the projector stopped it to protect the read models (EX_SOFTWARE).</summary>
    public const int FatalExitCode = 70;

    /// <summary>A drifted cache or a broken constraint would come back on every retry: stop the process.</summary>
    private static bool IsBug(Exception error) =>
        error is BalanceCacheDrift or TruncatedLog || error.InnerException is TruncatedLog || error is PostgresException { SqlState: var state } && state.StartsWith("23", StringComparison.Ordinal);

    private async Task RunMember(CancellationToken stopping)
    {
        var config = KafkaClients.Consumer(bootstrap.Value, kafka.ProjectorGroup);
        // Eager rebalancing: every revoke takes all partitions, so dropping the unwritten batch loses nothing.
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetPartitionsAssignedHandler((consumer, partitions) => StartFromStoredOffsets(consumer, partitions, stopping))
            .SetPartitionsRevokedHandler((_, _) => ForgetUnwritten())
            .SetPartitionsLostHandler((_, _) => ForgetUnwritten())
            .Build();
        consumer.Subscribe(kafka.EventsTopic);
        try
        {
            var batchStarted = Stopwatch.StartNew();
            while (!stopping.IsCancellationRequested)
            {
                var record = consumer.Consume(PollTimeout);
                if (record?.Message is not null)
                {
                    if (_batch.Count == 0) batchStarted.Restart();
                    _batch.Add(Decode(record));
                    _correlation.Add(record.Message.Headers);
                    _trace.Add(record.Message.Headers);
                }
                var full = _batch.Count >= options.BatchSizeMax;
                if (_batch.Count > 0 && (full || batchStarted.Elapsed >= options.BatchWait))
                    await WriteBatch(consumer, stopping);
                lag.SampleWhenDue(consumer);
            }
        }
        finally
        {
            ForgetUnwritten();
            try { consumer.Close(); } catch (KafkaException error) { log.LogWarning(error, "Closing the projector consumer failed"); }
        }
    }

    private IEnumerable<TopicPartitionOffset> StartFromStoredOffsets(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions,
        CancellationToken stopping)
    {
        var stored = ProjectorOffsets.Read(database, kafka.EventsTopic, stopping).GetAwaiter().GetResult();
        _stored.Clear();
        foreach (var partition in partitions)
        {
            _stored[partition.Partition.Value] = stored.TryGetValue(partition.Partition.Value, out var next) ? next : null;
            // Never skip ahead: events deleted before they were projected are money the read models would miss.
            TruncatedLog.ThrowIfMissing(consumer, partition, _stored[partition.Partition.Value] ?? 0, TimeSpan.FromSeconds(10));
        }
        log.LogInformation("Projecting partitions {Partitions}", string.Join(",", partitions.Select(p => p.Partition.Value)));
        readiness.Set(true);
        return partitions.Select(p => new TopicPartitionOffset(p,
            new Offset(_stored[p.Partition.Value] ?? 0)));
    }

    private void ForgetUnwritten()
    {
        _batch.Clear();
        _stored.Clear();
        _correlation.Clear();
        _trace.Clear();
        lag.Clear();
        metrics.PartitionsReleased();
    }

    private ProjectedEvent Decode(ConsumeResult<string, byte[]> record)
    {
        // An undecodable event on the source-of-truth topic is a bug upstream: stop rather than skip money.
        var message = codec.Decode(record.Message.Value);
        return new ProjectedEvent(record.Partition.Value, record.Offset.Value, message, record.Message.Value);
    }

    private async Task WriteBatch(IConsumer<string, byte[]> consumer, CancellationToken stopping)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = _trace.Start(kafka.EventsTopic, _batch.Count, _correlation.Ids);
        _trace.Clear();
        Dictionary<int, long> next;
        try { next = await BatchWriter.Write(database, kafka.EventsTopic, _batch, _stored, stopping); }
        catch (Exception error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw;
        }
        foreach (var (partition, offset) in next) _stored[partition] = offset;
        metrics.BatchWritten(_batch, Stopwatch.GetElapsedTime(started).TotalSeconds);
        using (_correlation.BeginScope(log))
            log.LogInformation("Projected {Events} events of partitions {Partitions}", _batch.Count, string.Join(",", next.Keys.Order()));
        _correlation.Clear();
        _batch.Clear();

        // Kafka's copy of the offsets is only for lag tools; PostgreSQL's copy is the one that counts.
        try { consumer.Commit(next.Select(n => new TopicPartitionOffset(kafka.EventsTopic, n.Key, n.Value))); }
        catch (KafkaException error) { log.LogDebug(error, "Committing offsets to Kafka failed (harmless)"); }
    }
}

/// <summary>Whether this projector has joined its group and knows where to start.</summary>
public sealed class ProjectorReadiness
{
    private volatile bool _ready;
    public bool IsReady => _ready;
    public void Set(bool ready) => _ready = ready;
}
