using Ledger.Kafka.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Projector.Projection;

/// <summary>Every posting of every event, one row per leg, with one binary COPY per batch.</summary>
public static class LedgerEntries
{
    public static async Task Append(NpgsqlConnection connection, IReadOnlyList<ProjectedEvent> batch, CancellationToken cancellation)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            copy ledger_entries (sequence, leg, owner_id, book, asset, amount, event_type, at) from stdin (format binary)
            """, cancellation);
        foreach (var projected in batch)
        {
            var @event = projected.Message.Event;
            var postings = projected.Postings;
            for (short leg = 0; leg < postings.Count; leg++)
            {
                var posting = postings[leg];
                await copy.StartRowAsync(cancellation);
                await copy.WriteAsync(projected.Sequence, NpgsqlDbType.Bigint, cancellation);
                await copy.WriteAsync(leg, NpgsqlDbType.Smallint, cancellation);
                await copy.WriteAsync(posting.Owner, NpgsqlDbType.Text, cancellation);
                await copy.WriteAsync(EventCodec.BookName(posting.Book), NpgsqlDbType.Text, cancellation);
                await copy.WriteAsync(posting.Asset, NpgsqlDbType.Text, cancellation);
                await copy.WriteAsync(posting.Amount, NpgsqlDbType.Bigint, cancellation);
                await copy.WriteAsync(@event.GetType().Name, NpgsqlDbType.Text, cancellation);
                await copy.WriteAsync(@event.At.UtcDateTime, NpgsqlDbType.TimestampTz, cancellation);
            }
        }
        await copy.CompleteAsync(cancellation);
    }
}
