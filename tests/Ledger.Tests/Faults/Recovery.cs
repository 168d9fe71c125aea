using System.Diagnostics;
using System.Globalization;

namespace Ledger.Tests.Faults;

/// <summary>
/// How long one fault kept the ledger from deciding, as the trial's clients saw it (seconds from the
/// moment the fault began):
/// - to the first decision: the first command sent after the fault began that was answered as decided
///   (201 or 422); commands sent before may have been decided before the fault, so they do not count;
/// - to the end of the backlog: the last command that was in flight when the fault began, or sent
///   after it and slowed (answered more than <see cref="SlowDecision"/> after it was sent: a partition
///   still stalled), answered as decided: when the ledger has caught up. A fault that does not stop
///   decisions (of the read side) ends its backlog with the commands in flight when it began.
/// Null when no command fits (the load ended first).
/// </summary>
public sealed record Recovery(double? FirstDecisionSeconds, double? BacklogEndSeconds)
{
    public static Recovery Of(IEnumerable<ExpectedCommand> commands, long faultBegan)
    {
        var answered = commands.Where(c => c.DecidedAt != 0).ToList();
        var after = answered.Where(c => c.SentAt >= faultBegan).Select(c => c.DecidedAt).DefaultIfEmpty().Min();
        var backlog = answered.Where(c => c.DecidedAt >= faultBegan && (c.SentAt < faultBegan || Slow(c)))
            .Select(c => c.DecidedAt).DefaultIfEmpty().Max();
        return new Recovery(after == 0 ? null : Seconds(faultBegan, after), backlog == 0 ? null : Seconds(faultBegan, backlog));
    }

    /// <summary>Well above a decision's latency on this machine under load (tens of milliseconds).</summary>
    public static readonly TimeSpan SlowDecision = TimeSpan.FromSeconds(1);

    private static bool Slow(ExpectedCommand command) => Stopwatch.GetElapsedTime(command.SentAt, command.DecidedAt) > SlowDecision;

    private static double Seconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalSeconds;

    public override string ToString() =>
        $"first decision after {Format(FirstDecisionSeconds)}, end of backlog after {Format(BacklogEndSeconds)}";

    public static string Format(double? seconds) => seconds is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "-";
}

/// <summary>The recoveries of a soak, per fault: p50, p99 and max of each figure (nearest rank).</summary>
public sealed class RecoveryFigures
{
    private readonly Dictionary<Fault, List<Recovery>> _byFault = new();

    /// <summary>Safe to call from several lanes at once.</summary>
    public void Add(Fault fault, Recovery recovery)
    {
        lock (_byFault)
        {
            if (!_byFault.TryGetValue(fault, out var list)) _byFault[fault] = list = new List<Recovery>();
            list.Add(recovery);
        }
    }

    /// <summary>A Markdown table, one row per fault, as docs/soak.md records it.</summary>
    public IEnumerable<string> Table()
    {
        yield return "| fault | trials | to first decision p50 / p99 / max | to end of backlog p50 / p99 / max |";
        yield return "| --- | ---: | --- | --- |";
        foreach (var (fault, recoveries) in _byFault.OrderBy(f => f.Key.ToString(), StringComparer.Ordinal))
            yield return $"| {fault} | {recoveries.Count} | {Spread(recoveries.Select(r => r.FirstDecisionSeconds))} | " +
                         $"{Spread(recoveries.Select(r => r.BacklogEndSeconds))} |";
    }

    private static string Spread(IEnumerable<double?> figures)
    {
        var sorted = figures.OfType<double>().Order().ToArray();
        if (sorted.Length == 0) return "-";
        double Rank(double quantile) => sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        return $"{Recovery.Format(Rank(0.50))} / {Recovery.Format(Rank(0.99))} / {Recovery.Format(sorted[^1])}";
    }
}
