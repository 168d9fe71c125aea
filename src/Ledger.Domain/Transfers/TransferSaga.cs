using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Transfers;

/// <summary>
/// The follow-up commands of a transfer. Their requests are derived from the transfer alone, so
/// a writer that produces the same follow-up twice (after a crash, or on replay) produces the same
/// command id and idempotency key, and the receiving partition decides it once.
/// </summary>
public static class TransferSaga
{
    /// <summary>The namespace of follow-up command ids (name-based UUIDs, RFC 9562 version 5).</summary>
    private static readonly Guid CommandIdNamespace = new("6f1c2a4e-3b7d-5e90-8a12-4c5d6e7f8a9b");

    public const string CreditStep = "credit";
    public const string RefundStep = "refund";

    public static CreditTransfer CreditFor(TransferDebited debited) => new(
        FollowUpRequest(debited.TransferId, CreditStep, debited.ToUserId, debited.FromUserId, debited.ToUserId, debited.Asset,
            debited.Amount),
        debited.TransferId, debited.FromUserId, debited.ToUserId, debited.Asset, debited.Amount);

    public static RefundTransfer RefundFor(TransferCreditRejected rejected) => new(
        FollowUpRequest(rejected.TransferId, RefundStep, rejected.FromUserId, rejected.FromUserId, rejected.ToUserId,
            rejected.Asset, rejected.Amount),
        rejected.TransferId, rejected.FromUserId, rejected.ToUserId, rejected.Asset, rejected.Amount);

    /// <summary>The idempotency key of a step, scoped (like every key) to the user it is decided for.
    /// It names the sender too: transfer ids are the sender's choice, and two senders' transfers with
    /// the same id to one receiver must not be taken for one.</summary>
    public static string IdempotencyKeyOf(string fromUserId, string transferId, string step) =>
        $"transfer:{fromUserId}:{transferId}:{step}";

    private static Request FollowUpRequest(
        string transferId, string step, string userId, string fromUserId, string toUserId, string asset, long amount)
    {
        var key = IdempotencyKeyOf(fromUserId, transferId, step);
        var body = $"{key}|{fromUserId}|{toUserId}|{asset}|{amount}";
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        return new Request(NameBasedId(key), userId, key, fingerprint);
    }

    /// <summary>A version 5 (SHA-1, name-based) UUID of the name within <see cref="CommandIdNamespace"/>.</summary>
    public static Guid NameBasedId(string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        CommandIdNamespace.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
