using Ledger.Domain.Accounts;
using Ledger.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Projector.Projection;

/// <summary>Every posting of every event, one row per leg, with one binary COPY per batch.</summary>
public static class LedgerEntries
{
    public readonly record struct Entry(long Sequence, short Leg, Posting Posting, string EventType, DateTime At);

    /// <summary>The batch's entries in the order of the table's index (owner, sequence, leg): consecutive
    /// rows then land on the same index pages, which PostgreSQL inserts into at less cost than the same
    /// rows in event order, where each owner's next row is somewhere else in the index.</summary>
    public static Entry[] Rows(IReadOnlyList<ProjectedEvent> batch)
    {
        var rows = new List<Entry>(batch.Count * 2);
        foreach (var projected in batch)
        {
            var @event = projected.Message.Event;
            var postings = projected.Postings;
            for (short leg = 0; leg < postings.Count; leg++)
                rows.Add(new Entry(projected.Sequence, leg, postings[leg], @event.GetType().Name, @event.At.UtcDateTime));
        }
        var sorted = rows.ToArray();
        Array.Sort(sorted, (a, b) =>
        {
            var byOwner = string.CompareOrdinal(a.Posting.Owner, b.Posting.Owner);
            if (byOwner != 0) return byOwner;
            var bySequence = a.Sequence.CompareTo(b.Sequence);
            return bySequence != 0 ? bySequence : a.Leg.CompareTo(b.Leg);
        });
        return sorted;
    }

    public static async Task Append(NpgsqlConnection connection, Entry[] rows, CancellationToken cancellation)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy ledger_entries (sequence, leg, owner_id, book, asset, amount, event_type, at) from stdin (format binary)
            """, cancellation);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(cancellation);
            await copy.WriteAsync(row.Sequence, NpgsqlDbType.Bigint, cancellation);
            await copy.WriteAsync(row.Leg, NpgsqlDbType.Smallint, cancellation);
            await copy.WriteAsync(row.Posting.Owner, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(EventCodec.BookName(row.Posting.Book), NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(row.Posting.Asset, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(row.Posting.Amount, NpgsqlDbType.Bigint, cancellation);
            await copy.WriteAsync(row.EventType, NpgsqlDbType.Text, cancellation);
            await copy.WriteAsync(row.At, NpgsqlDbType.TimestampTz, cancellation);
        }
        await copy.CompleteAsync(cancellation);
    }
}
