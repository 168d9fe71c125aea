using Confluent.Kafka;
using Ledger.Kafka;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Commands;

/// <summary>
/// How far each partition writer is behind, as the edge sees it: the high watermark of each
/// ledger.commands partition minus the offset the writer group has committed there, read from
/// Kafka every <see cref="CommandOptions.LagSampleInterval"/>. The edge may run apart from the
/// writers, so it asks Kafka rather than a writer. Reading a group's committed offsets does not
/// join the group, so the writers are not disturbed.
/// </summary>
public sealed class WriterLag(KafkaOptions kafka, BootstrapServers bootstrap, IOptions<CommandOptions> options,
    ILogger<WriterLag> log) : BackgroundService
{
    private readonly long[] _lag = new long[kafka.Partitions];

    /// <summary>Commands not yet decided on <paramref name="partition"/> at the last sample (0 before the first).</summary>
    public long Of(int partition) => Volatile.Read(ref _lag[partition]);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();
        var timeout = options.Value.LagSampleInterval * 4;
        var partitions = Enumerable.Range(0, kafka.Partitions).Select(p => new TopicPartition(kafka.CommandsTopic, p)).ToList();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(bootstrap.Value, kafka.WriterGroup)).Build();
        using var timer = new PeriodicTimer(options.Value.LagSampleInterval);
        do
        {
            try
            {
                var committed = consumer.Committed(partitions, timeout);
                foreach (var offset in committed)
                {
                    var high = consumer.QueryWatermarkOffsets(offset.TopicPartition, timeout).High.Value;
                    var next = offset.Offset == Offset.Unset ? 0 : offset.Offset.Value;
                    Volatile.Write(ref _lag[offset.Partition.Value], Math.Max(0, high - next));
                }
            }
            catch (KafkaException error)
            {
                // Keep the last sample: if Kafka is down, producing fails on its own with a 503.
                log.LogWarning("Could not read the writers' lag: {Reason}", error.Error.Reason);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }
}
