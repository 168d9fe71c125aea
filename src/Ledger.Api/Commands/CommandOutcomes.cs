using System.Collections.Concurrent;
using Confluent.Kafka;
using Ledger.Api.Observability;
using Ledger.Api.ReadModel;
using Ledger.Api.Writer;
using Ledger.Kafka;
using Ledger.Contracts;

namespace Ledger.Api.Commands;

/// <summary>The outcome a caller waits for: the event decided for its command, or, for a repeated
/// idempotency key, the first event decided under that key (Replayed); with where that event stands in
/// ledger.events when it is known (<see cref="ConsistencyToken"/>).</summary>
public sealed record CommandOutcome(EventMessage Decision, bool Replayed, ConsistencyToken? Token = null);

/// <summary>
/// Tells HTTP callers what the writers decided. A writer in this process answers its callers itself,
/// right after its transaction commits (<see cref="Complete"/>). For the partitions other processes
/// write, this reads ledger.events and ledger.replies (committed transactions only) from where they
/// stood when this process started, and completes the waiter registered for each command id: the log
/// is then the only channel between writer and edge. Partitions this process writes are paused here,
/// and read on from where their writer stopped once it gives them up.
/// </summary>
public sealed class CommandOutcomes(KafkaOptions kafka, BootstrapServers bootstrap, EventCodec events, ReplyCodec replies,
    HighWatermarks watermarks, LocalWriters local, ILogger<CommandOutcomes> log) : BackgroundService
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<CommandOutcome>> _waiting = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly long[] _decidedUpTo = Enumerable.Repeat(-1L, kafka.Partitions).ToArray();

    public bool IsListening => _listening.Task.IsCompleted;

    /// <summary>The largest ledger.commands offset a writer elsewhere decided on the partition, as the
    /// records read here say (their command-offset header); -1 before any was read.</summary>
    public long DecidedUpTo(int partition) => Volatile.Read(ref _decidedUpTo[partition]);

    /// <summary>Registers interest in a command's outcome. Call before producing the command.</summary>
    public Task<CommandOutcome> Expect(Guid commandId) =>
        _waiting.GetOrAdd(commandId, _ => new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(Guid commandId) => _waiting.TryRemove(commandId, out _);

    /// <summary>A decision committed by this process's writer, for a caller who may be waiting here.</summary>
    public void Complete(Guid commandId, CommandOutcome outcome)
    {
        if (_waiting.TryRemove(commandId, out var waiter)) waiter.TrySetResult(outcome);
    }

    public Task WaitUntilListening(CancellationToken cancellation) => _listening.Task.WaitAsync(cancellation);

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.Factory.StartNew(() => Listen(stopping), stopping, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Listen(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                ListenOnce(stopping);
            }
            catch (Exception error) when (!stopping.IsCancellationRequested)
            {
                log.LogError(error, "Outcome listener failed; starting again from the end of the topics");
                stopping.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }

    private void ListenOnce(CancellationToken stopping)
    {
        var config = KafkaClients.Consumer(bootstrap.Value, $"ledger-api-outcomes-{Guid.NewGuid():N}");
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        // Start exactly at today's end of each partition, so nothing decided after this point is missed.
        var start = new List<TopicPartitionOffset>();
        foreach (var topic in new[] { kafka.EventsTopic, kafka.RepliesTopic })
        {
            for (var partition = 0; partition < kafka.Partitions; partition++)
            {
                var topicPartition = new TopicPartition(topic, partition);
                start.Add(new TopicPartitionOffset(topicPartition, consumer.QueryWatermarkOffsets(topicPartition, TimeSpan.FromSeconds(10)).High));
            }
        }
        consumer.Assign(start);
        _listening.TrySetResult();
        log.LogInformation("Listening for command outcomes on {Partitions} partitions", start.Count);

        var ownership = -1;
        var paused = new HashSet<int>();
        while (!stopping.IsCancellationRequested)
        {
            if (local.Version != ownership) ownership = FollowLocalWriters(consumer, paused);
            var record = consumer.Consume(PollTimeout);
            watermarks.SampleWhenDue(consumer);
            if (record?.Message?.Value is null) continue;
            try
            {
                Complete(record);
            }
            catch (MalformedMessage error)
            {
                log.LogError(error, "Undecodable record at {Topic}/{Partition}/{Offset}", record.Topic, record.Partition.Value, record.Offset.Value);
            }
        }
    }

    /// <summary>Pauses the partitions this process's writer answers for, and resumes those it gave up
    /// from where it stopped answering. Returns the ownership version it followed.</summary>
    private int FollowLocalWriters(IConsumer<string, byte[]> consumer, HashSet<int> paused)
    {
        var version = local.Version;
        for (var partition = 0; partition < kafka.Partitions; partition++)
        {
            var events = new TopicPartition(kafka.EventsTopic, partition);
            var repliesOf = new TopicPartition(kafka.RepliesTopic, partition);
            if (local.Owns(partition))
            {
                if (paused.Add(partition)) consumer.Pause([events, repliesOf]);
            }
            else if (paused.Remove(partition))
            {
                var resume = local.ReleasedAt(partition) ?? new LocalWriters.ResumePoint(0, 0);
                consumer.Seek(new TopicPartitionOffset(events, resume.Events));
                consumer.Seek(new TopicPartitionOffset(repliesOf, resume.Replies));
                consumer.Resume([events, repliesOf]);
            }
        }
        return version;
    }

    private void Complete(ConsumeResult<string, byte[]> record)
    {
        if (record.Message.Headers.FindNumber(LedgerHeaders.CommandOffset) is { } decided
            && decided > _decidedUpTo[record.Partition.Value])
            Volatile.Write(ref _decidedUpTo[record.Partition.Value], decided);
        if (record.Topic == kafka.EventsTopic)
        {
            // Cheap check first: most events were decided for commands another instance is waiting on.
            if (_waiting.IsEmpty) return;
            var message = events.Decode(record.Message.Value);
            if (_waiting.TryRemove(message.Event.Request.CommandId, out var waiter))
                waiter.TrySetResult(new CommandOutcome(message, Replayed: false, new ConsistencyToken(record.Partition.Value, record.Offset.Value)));
            return;
        }
        var reply = replies.Decode(record.Message.Value);
        var eventsThrough = record.Message.Headers.FindNumber(LedgerHeaders.EventsThrough);
        if (_waiting.TryRemove(reply.CommandId, out var repeat))
            repeat.TrySetResult(new CommandOutcome(reply.FirstOutcome, Replayed: true,
                eventsThrough is { } offset ? new ConsistencyToken(record.Partition.Value, offset) : null));
    }
}
