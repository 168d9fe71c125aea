using Ledger.Domain.Markets;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Api.Writer.Snapshots;

namespace Ledger.Api.Writer;

/// <summary>What every partition writer of this process shares; all of it is immutable or thread-safe.
/// HandOff: whether this process's edge hands its commands to the writer (<see cref="WriterInbox"/>).</summary>
internal sealed record WriterContext(
    WriterOptions Options,
    KafkaOptions Kafka,
    string BootstrapServers,
    CommandCodec Commands,
    EventCodec Events,
    ReplyCodec Replies,
    MarketCatalog Markets,
    WriterMetrics Metrics,
    TimeProvider Clock,
    ILogger Log,
    SnapshotStore? Snapshots,
    bool HandOff);
