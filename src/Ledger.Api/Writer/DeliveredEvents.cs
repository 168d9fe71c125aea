namespace Ledger.Api.Writer;

/// <summary>The offset and value of an event of a partition on ledger.events.</summary>
internal sealed record LastEvent(long Offset, byte[] Value);

/// <summary>
/// Where one partition writer's events stand on ledger.events, as their delivery reports say (they
/// come on the producer's thread, in the order the events were produced). A report's offset is not
/// always its event's: when a broker appended a produce request but its answer was lost, and then
/// acknowledged the client's retry as a duplicate, librdkafka reports the records delivered at made-up
/// offsets (base -1 and up from librdkafka's mock cluster, tests/Ledger.Tests/Kafka/DuplicateProduceTests.cs;
/// for Kafka's DUPLICATE_SEQUENCE_NUMBER librdkafka says "offset and timestamp will be invalid").
/// A snapshot labelled with such an offset names an earlier event than the last one it holds, and a
/// recovery from it would apply the events in between twice (docs/soak.md, "a snapshot one request
/// behind its state"). So each report is held against the lowest offset its event can have: one past
/// the last event whose offset is known, plus one for each event reported since without one. A made-up
/// offset is always below it (the i-th record of such a request is reported at base + i, base below 0)
/// and a real one never is.
/// </summary>
internal sealed class DeliveredEvents(LastEvent? recovered)
{
    private readonly Lock _lock = new();
    private long _produced;
    private long _reported;
    private LastEvent? _lastKnown = recovered;
    private long _lowestNext = recovered is null ? 0 : recovered.Offset + 1;
    private bool _latestKnown = true;

    /// <summary>One more event handed to the producer.</summary>
    public void Produced()
    {
        lock (_lock) _produced++;
    }

    /// <summary>An event's delivery was reported at <paramref name="offset"/>: whether that is its offset.</summary>
    public ReportedOffset Reported(long offset, byte[] value)
    {
        lock (_lock)
        {
            _reported++;
            if (offset >= _lowestNext)
            {
                _lastKnown = new LastEvent(offset, value);
                _lowestNext = offset + 1;
                _latestKnown = true;
                return ReportedOffset.Known;
            }
            _lowestNext++;
            var first = _latestKnown;
            _latestKnown = false;
            return first ? ReportedOffset.MadeUp : ReportedOffset.MadeUpAgain;
        }
    }

    /// <summary>Whether every event produced is reported, and the latest reported event when its offset
    /// is known (null before any, or when the latest report's offset was made up).</summary>
    public (bool AllReported, LastEvent? Latest) Now()
    {
        lock (_lock) return (_reported == _produced, _latestKnown ? _lastKnown : null);
    }
}

/// <summary>What a delivery report's offset turned out to be.</summary>
internal enum ReportedOffset
{
    /// <summary>The event's offset on the log.</summary>
    Known,
    /// <summary>Made up, after reports whose offsets were known.</summary>
    MadeUp,
    /// <summary>Made up, like the report before it.</summary>
    MadeUpAgain,
}
