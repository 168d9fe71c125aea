namespace Ledger.LoadGenerator.Load;

/// <summary>One measured scenario, as a line of the results file the report reads.</summary>
public sealed record ScenarioResult(
    string Target, string Scenario, string Distribution, int Users, int Partitions, string Mode, int Callers, double RatePerSecond,
    ScenarioCounts Counts, Dictionary<string, double> CpuSeconds, WriterProfile? Writer, string LoadAverage,
    Dictionary<string, ThreadBreakdown>? Threads)
{
    /// <summary>Percentiles of a run that decided nothing are NaN, which plain JSON cannot hold.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Line() => FormattableString.Invariant(
        $"{Target} {Scenario}: {Counts.DecidedPerSecond:0} decided/s, p50 {Counts.P50Ms:0.0} ms, p99 {Counts.P99Ms:0.0} ms, p99.9 {Counts.P999Ms:0.0} ms; ") +
        $"accepted {Counts.Accepted}, rejected {Counts.Rejected}, pending {Counts.Pending}, refused {Counts.Refused}, errors {Counts.Errors}, missed {Counts.Missed}" +
        (Counts.ErrorSamples.Length > 0 ? "\n  first errors: " + string.Join("\n  ", Counts.ErrorSamples) : "");
}
