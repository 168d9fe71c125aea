using Ledger.Domain;

namespace Ledger.Benchmarks;

/// <summary>
/// How much a partition's state costs per account with one remembered idempotency key: the managed
/// heap before and after building AccountCount accounts, each from one deposit under its own key.
/// Target: a million accounts in well under 1 GiB.
/// </summary>
public static class StateMemory
{
    public const int AccountCount = 1_000_000;
    private const long BytesPerGibibyte = 1L << 30;

    public static void Measure(TextWriter output)
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var state = new LedgerState();
        for (var i = 0; i < AccountCount; i++)
        {
            // Strings as the codec would make them: each event owns its user id, key and fingerprint.
            var commandId = Guid.NewGuid();
            var request = new Request(commandId, $"user-{i:D7}", $"deposit-{i:D7}", Convert.ToHexStringLower(commandId.ToByteArray()) + "0123456789abcdef0123456789abcdef");
            LedgerDecider.Evolve(state, new Deposited(request, at, "USD", 10_000));
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var bytes = after - before;
        output.WriteLine($"accounts: {state.AccountCount:N0}, remembered keys: {state.Requests.Count:N0}");
        output.WriteLine($"managed heap: {bytes:N0} bytes ({(double)bytes / BytesPerGibibyte:F3} GiB)");
        output.WriteLine($"per account with one key: {bytes / AccountCount:N0} bytes");
        GC.KeepAlive(state);
    }
}
