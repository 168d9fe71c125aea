using System.Diagnostics;

namespace Ledger.Tests.Support;

/// <summary>Waits for a condition with a deadline, never a fixed sleep: fast when things are fast,
/// and a clear failure naming what never happened when they are not.</summary>
public static class Eventually
{
    public static async Task Until(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline) throw new TimeoutException($"within {deadline.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }
}
