using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.Tail;

/// <summary>
/// Follows ledger.events as any downstream consumer should: its own consumer group, read_committed
/// (never an aborted writer's records), and printing before storing an offset, so a named group
/// that is stopped and started again repeats at most what it printed last, never skips.
/// </summary>
internal sealed class EventTail(TailOptions options, string bootstrap, TextWriter output, TextWriter log)
{
    /// <summary>How long one poll waits before the loop looks at the stop signal again.</summary>
    private const int PollTimeoutMs = 250;

    /// <summary>A console can wait this long for an event. Kafka answers a waiting fetch as soon as
    /// data arrives; librdkafka's mock cluster waits it out, so this bounds the delay there.</summary>
    private const int FetchWaitMaxMs = 100;

    /// <summary>Longest wait for the broker's answer to a time or watermark lookup.</summary>
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(30);

    private readonly HashSet<int> _started = [];

    /// <summary>Partitions read from their start because the broker could not look up offsets by
    /// time: records before --from are skipped here until the first one at or after it.</summary>
    private readonly Dictionary<int, long> _skipBeforeMs = [];

    public int Run(CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(Configuration())
            .SetErrorHandler((_, error) => log.WriteLine($"ledger tail: Kafka: {error.Reason}"))
            .SetPartitionsAssignedHandler((consumer, partitions) => StartPositions(consumer, partitions))
            .Build();
        consumer.Subscribe(options.Topic);
        log.WriteLine($"ledger tail: {options.Topic} at {bootstrap}, consumer group {options.Group}, {StartDescription()}");
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var record = consumer.Consume(PollTimeoutMs);
                if (record is null || record.IsPartitionEOF || Skipped(record)) continue;
                output.WriteLine(Line(record));
                if (options.GroupNamed) consumer.StoreOffset(record);
            }
        }
        catch (ConsumeException error) when (error.Error.IsFatal)
        {
            log.WriteLine($"ledger tail: stopped: {error.Error.Reason}");
            return 1;
        }
        consumer.Close(); // commits what was printed (named group) and leaves the group at once
        return 0;
    }

    private ConsumerConfig Configuration()
    {
        var config = KafkaClients.Consumer(bootstrap, options.Group); // read_committed, no automatic offset store
        config.AutoOffsetReset = options.FromBeginning ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest;
        // A fresh group has nothing to resume later: only a named one commits.
        config.EnableAutoCommit = options.GroupNamed;
        config.FetchWaitMaxMs = FetchWaitMaxMs;
        return config;
    }

    private string StartDescription() =>
        options.From is { } from ? $"from {from.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}"
        : options.FromBeginning ? "from the beginning"
        : options.GroupNamed ? "from where the group stopped (new events if it never ran)"
        : "new events only";

    /// <summary>Where each partition starts the first time this process gets it: --from beginning,
    /// --from a time, or (Unset) the group's committed offset, else the newest.</summary>
    private IEnumerable<TopicPartitionOffset> StartPositions(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        var fresh = partitions.Where(p => _started.Add(p.Partition.Value)).ToList();
        var positions = partitions.Except(fresh).Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList();
        if (options.From is { } from) positions.AddRange(PositionsAt(consumer, fresh, from));
        else positions.AddRange(fresh.Select(p => new TopicPartitionOffset(p, options.FromBeginning ? Offset.Beginning : Offset.Unset)));
        return positions;
    }

    /// <summary>Kafka's answer to "the first offset at or after this time" (ListOffsets). An answer of
    /// "none" is checked against a lookup of time zero: a broker that answers "none" to that too for a
    /// partition holding records cannot look up times (librdkafka's mock cluster, local mode), so that
    /// partition is read from its start and filtered here instead.</summary>
    private IEnumerable<TopicPartitionOffset> PositionsAt(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions, DateTimeOffset from)
    {
        if (partitions.Count == 0) return [];
        List<TopicPartitionOffset> found;
        HashSet<TopicPartition> unable;
        try
        {
            found = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(from))), LookupTimeout);
            var none = found.Where(p => p.Offset == Offset.End).Select(p => p.TopicPartition).ToList();
            unable = none.Count == 0 ? [] : consumer.OffsetsForTimes(none.Select(p => new TopicPartitionTimestamp(p, new Timestamp(0, TimestampType.CreateTime))), LookupTimeout)
                .Where(p => p.Offset == Offset.End && HoldsRecords(consumer, p.TopicPartition))
                .Select(p => p.TopicPartition)
                .ToHashSet();
        }
        catch (KafkaException)
        {
            // The mock cluster of librdkafka 2.0.2 answers a 2.x client's lookup by time with an error.
            found = partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)).ToList();
            unable = partitions.ToHashSet();
        }
        if (unable.Count > 0)
            log.WriteLine($"ledger tail: the broker cannot look up offsets by time (librdkafka's mock cluster?): reading {unable.Count} partition(s) from their start, skipping records before --from");
        foreach (var partition in unable) _skipBeforeMs[partition.Partition.Value] = from.ToUnixTimeMilliseconds();
        return found.Select(p => unable.Contains(p.TopicPartition) ? new TopicPartitionOffset(p.TopicPartition, Offset.Beginning) : p);
    }

    private static bool HoldsRecords(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        var watermarks = consumer.QueryWatermarkOffsets(partition, LookupTimeout);
        return watermarks.High.Value > watermarks.Low.Value;
    }

    private bool Skipped(ConsumeResult<string, byte[]> record)
    {
        var partition = record.Partition.Value;
        if (!_skipBeforeMs.TryGetValue(partition, out var fromMs)) return false;
        if (record.Message.Timestamp.UnixTimestampMs < fromMs) return true;
        _skipBeforeMs.Remove(partition); // from here on, every record, as a broker's own lookup would give
        return false;
    }

    /// <summary>time partition@offset type user json</summary>
    public static string Line(ConsumeResult<string, byte[]> record)
    {
        var time = record.Message.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var type = record.Message.Headers is { } headers && headers.TryGetLastBytes(LedgerHeaders.EventType, out var bytes)
            ? Encoding.UTF8.GetString(bytes)
            : "-";
        var json = record.Message.Value is null ? "null" : Encoding.UTF8.GetString(record.Message.Value);
        return $"{time} {record.Partition.Value}@{record.Offset.Value} {type} {record.Message.Key ?? "-"} {json}";
    }
}
