using Ledger.Domain;
using Ledger.Contracts;

namespace Ledger.Kafka;

/// <summary>
/// Replays a partition's event records into a state: decoding (most of the work) runs on the thread
/// pool a batch at a time, so other cores share it, while the events are applied on the caller's
/// thread strictly in log order. At most <see cref="BatchesInFlightMax"/> batches are decoded ahead,
/// so memory stays bounded however long the log. A record that does not decode throws here, from
/// <see cref="Add"/> or <see cref="Finish"/>, before any later event is applied.
/// </summary>
public sealed class EventReplay(EventCodec codec, LedgerState state)
{
    public const int BatchSize = 1_024;
    public const int BatchesInFlightMax = 4;

    private readonly Queue<Task<LedgerEvent[]>> _decoding = new();
    private List<byte[]> _batch = new(BatchSize);

    /// <summary>Events applied so far.</summary>
    public long Applied { get; private set; }

    /// <summary>Takes the next record of the log (in order).</summary>
    public void Add(byte[] record)
    {
        _batch.Add(record);
        if (_batch.Count == BatchSize) StartDecoding();
    }

    /// <summary>Decodes and applies what is left; the state is then the log's.</summary>
    public void Finish()
    {
        if (_batch.Count > 0) StartDecoding();
        while (_decoding.Count > 0) ApplyOldest();
    }

    private void StartDecoding()
    {
        var records = _batch;
        _batch = new List<byte[]>(BatchSize);
        _decoding.Enqueue(Task.Run(() => Decode(records)));
        while (_decoding.Count > BatchesInFlightMax) ApplyOldest();
    }

    private LedgerEvent[] Decode(List<byte[]> records)
    {
        var events = new LedgerEvent[records.Count];
        for (var i = 0; i < events.Length; i++) events[i] = codec.DecodeEvent(records[i]);
        return events;
    }

    private void ApplyOldest()
    {
        foreach (var @event in _decoding.Dequeue().GetAwaiter().GetResult())
        {
            LedgerDecider.Evolve(state, @event);
            Applied++;
        }
    }
}
