using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Ledger.Domain.Accounts;

/// <summary>
/// Room for one event's postings on the stack. Evolve runs for every event, at millions a second:
/// a list per event would be garbage the collector has to chase. (stackalloc cannot hold a struct
/// with references in it; an inline array can.) Keep the buffer a local: the span it gives out
/// points into it.
/// </summary>
[InlineArray(Capacity)]
internal struct PostingBuffer
{
    /// <summary>The most postings any event has (a fill has six).</summary>
    public const int Capacity = 6;

    private Posting _element;

    /// <summary>The event's postings, written into this buffer.</summary>
    [UnscopedRef]
    public Span<Posting> Of(LedgerEvent @event)
    {
        Span<Posting> all = this;
        return all[..@event.WritePostings(all)];
    }
}
