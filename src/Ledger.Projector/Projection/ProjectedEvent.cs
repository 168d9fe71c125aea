using Ledger.Kafka.Contracts;

namespace Ledger.Projector.Projection;

/// <summary>One record of ledger.events, decoded, with where it came from.</summary>
public sealed record ProjectedEvent(int Partition, long Offset, EventMessage Message, byte[] Body);
