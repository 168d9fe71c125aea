namespace Ledger.LoadGenerator.Load;

/// <summary>Latency percentiles by the nearest-rank method over every sample (no histogram buckets,
/// no interpolation): p is the smallest sample at or above which p percent of the samples lie.</summary>
public static class Percentiles
{
    /// <param name="sorted">Samples in ascending order.</param>
    /// <param name="percent">0 &lt; percent &lt;= 100.</param>
    public static double Of(IReadOnlyList<double> sorted, double percent)
    {
        if (percent is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent));
        if (sorted.Count == 0) return double.NaN;
        // 1-based; rounded first so that 99.9 % of 1000 is rank 999, not 1000 through 999.0000000001.
        var rank = (int)Math.Ceiling(Math.Round(percent / 100.0 * sorted.Count, 6));
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
