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
    public static bool Balance(IEnumerable<Posting> postings) =>
        postings.GroupBy(p => p.Asset).All(group => group.Sum(p => (decimal)p.Amount) == 0m);
}
