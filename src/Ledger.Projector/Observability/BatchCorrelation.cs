using Ledger.Kafka;
using Confluent.Kafka;
using Ledger.Contracts;

namespace Ledger.Projector.Observability;

/// <summary>The correlation ids (from the ledger-correlation-id header the Api set on the request and
/// the writer copied onto its events) of the batch being built, so the batch's log line carries
/// them as a scope. At most <see cref="IdsMax"/> distinct ids per batch.</summary>
public sealed class BatchCorrelation
{
    public const int IdsMax = 50;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public void Add(Headers? headers)
    {
        if (_ids.Count >= IdsMax) return;
        if (headers.Find(LedgerHeaders.CorrelationId) is { } id) _ids.Add(id);
    }

    public IDisposable? BeginScope(ILogger log) =>
        log.BeginScope("Correlation ids {CorrelationIds}", string.Join(",", _ids));

    public IReadOnlyCollection<string> Ids => _ids;

    public void Clear() => _ids.Clear();
}
