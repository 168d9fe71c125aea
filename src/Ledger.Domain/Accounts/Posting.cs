namespace Ledger.Domain.Accounts;

/// <summary>Where money sits. A user's money is Available or Held; the rest are the ledger's own
/// system books, the other side of every movement into, out of or across the ledger.</summary>
public enum Book
{
    Available,
    Held,
    ExternalDeposits,
    ExternalWithdrawals,
    Fees,
    TransfersInFlight,

    /// <summary>The other side of every fill: the buyer pays into it and the seller is paid out of it,
    /// each on their own partition. What rounding leaves in it is the ledger's.</summary>
    TradeSettlement,
}

/// <summary>One leg of a double entry: an amount (minor units, signed) on one book of one owner.
/// An event's postings sum to zero per asset.</summary>
public readonly record struct Posting(string Owner, Book Book, string Asset, long Amount)
{
    /// <summary>The owner of every system book.</summary>
    public const string SystemOwner = "@ledger";

    public static Posting User(string userId, Book book, string asset, long amount) => new(userId, book, asset, amount);

    public static Posting System(Book book, string asset, long amount) => new(SystemOwner, book, asset, amount);

    public bool IsUserBook => Book is Book.Available or Book.Held;

    /// <summary>True when the postings sum to zero in every asset.</summary>
    public static bool Balance(IReadOnlyList<Posting> postings) =>
        SumsToZero(postings as Posting[] ?? postings.ToArray());

    public static bool Balance(IEnumerable<Posting> postings) =>
        Balance(postings as IReadOnlyList<Posting> ?? postings.ToArray());

    /// <summary>It runs on every Evolve, so it allocates nothing: events have a handful of postings,
    /// and summing each asset from its first posting is cheaper than grouping. Int128 sums cannot overflow.</summary>
    internal static bool SumsToZero(ReadOnlySpan<Posting> postings)
    {
        for (var first = 0; first < postings.Length; first++)
        {
            var asset = postings[first].Asset;
            if (AppearsBefore(postings, asset, first)) continue;
            Int128 sum = 0;
            for (var i = first; i < postings.Length; i++)
            {
                if (string.Equals(postings[i].Asset, asset, StringComparison.Ordinal)) sum += postings[i].Amount;
            }
            if (sum != 0) return false;
        }
        return true;
    }

    private static bool AppearsBefore(ReadOnlySpan<Posting> postings, string asset, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (string.Equals(postings[i].Asset, asset, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
