using Confluent.Kafka;
using Ledger.Api.Writer;
using Ledger.Kafka;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Commands;

/// <summary>
/// How far each partition writer is behind, as the edge sees it. For a partition this process's writer
/// owns, its own count (the high watermark of ledger.commands minus the next command it decides),
/// exact on any broker. For the others, sampled every <see cref="CommandOptions.LagSampleInterval"/>:
/// the high watermark minus the later of the offset the writer group has committed there (reading a
/// group's committed offsets does not join it, so the writers are not disturbed) and one past the last
/// command the outcome listener saw decided there (librdkafka's mock cluster keeps no committed
/// offsets). A partition with neither yet counts as not behind: the in-flight budget still bounds it.
/// </summary>
public sealed class WriterLag(KafkaOptions kafka, BootstrapServers bootstrap, IOptions<CommandOptions> options,
    LocalWriters local, CommandOutcomes outcomes, ILogger<WriterLag> log) : BackgroundService
{
    private readonly long[] _lag = new long[kafka.Partitions];

    /// <summary>Commands not yet decided on <paramref name="partition"/> at the last sample (0 before the first).</summary>
    public long Of(int partition) => local.Lag(partition) is var own and not LocalWriters.Unknown ? own : Volatile.Read(ref _lag[partition]);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();
        var timeout = options.Value.LagSampleInterval * 4;
        IConsumer<Ignore, Ignore>? consumer = null; // made the first time a partition is written elsewhere
        using var timer = new PeriodicTimer(options.Value.LagSampleInterval);
        try
        {
            do
            {
                var elsewhere = Enumerable.Range(0, kafka.Partitions).Where(p => !local.Owns(p))
                    .Select(p => new TopicPartition(kafka.CommandsTopic, p)).ToList();
                if (elsewhere.Count == 0) continue;
                consumer ??= new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(bootstrap.Value, kafka.WriterGroup)).Build();
                Sample(consumer, elsewhere, timeout);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        finally
        {
            consumer?.Dispose();
        }
    }

    private void Sample(IConsumer<Ignore, Ignore> consumer, List<TopicPartition> partitions, TimeSpan timeout)
    {
        try
        {
            foreach (var offset in consumer.Committed(partitions, timeout))
            {
                var partition = offset.Partition.Value;
                var next = Math.Max(offset.Offset == Offset.Unset ? -1 : offset.Offset.Value, outcomes.DecidedUpTo(partition) + 1);
                if (next < 0) { Volatile.Write(ref _lag[partition], 0); continue; }
                var high = consumer.QueryWatermarkOffsets(offset.TopicPartition, timeout).High.Value;
                Volatile.Write(ref _lag[partition], Math.Max(0, high - next));
            }
        }
        catch (KafkaException error)
        {
            // Keep the last sample: if Kafka is down, producing fails on its own with a 503.
            log.LogWarning("Could not read the writers' lag: {Reason}", error.Error.Reason);
        }
    }
}
