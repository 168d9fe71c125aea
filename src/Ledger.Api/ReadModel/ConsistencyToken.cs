using System.Globalization;
using System.Text;

namespace Ledger.Api.ReadModel;

/// <summary>
/// Where a decision stands in the log: a partition of ledger.events and an offset at or past the event
/// that decided the command. A 201 (and a 422) hands it out in the <see cref="Header"/> header; a read given
/// it back waits, up to Postgres:ConsistencyWaitMax, until the projector has projected that partition
/// past the offset, so a caller reads its own write. Opaque to callers: base64url of "partition:offset".
/// </summary>
public readonly record struct ConsistencyToken(int Partition, long EventOffset)
{
    public const string Header = "Consistency-Token";

    /// <summary>On a read given a token: "true" when the read model had projected past it before the
    /// read ran, "false" when the wait ran out and the read answers what it has.</summary>
    public const string ReachedHeader = "Consistency-Reached";

    public override string ToString() =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(FormattableString.Invariant($"{Partition}:{EventOffset}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A token this ledger gave out, for a ledger of <paramref name="partitions"/> partitions.</summary>
    public static bool TryParse(string? text, int partitions, out ConsistencyToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text) || text.Length > 40) return false;
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/').PadRight((text.Length + 3) / 4 * 4, '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                || partition >= partitions)
                return false;
            token = new ConsistencyToken(partition, offset);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
