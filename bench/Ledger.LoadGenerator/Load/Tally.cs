namespace Ledger.LoadGenerator.Load;

/// <summary>How one answer counts. Decided answers (accepted or rejected by the ledger) are what
/// throughput and latency are about; refusals (429/503) say the server shed load; pending (202)
/// means the decision was not known within the Api's deadline.</summary>
public enum AnswerClass { Accepted, Rejected, Pending, Refused, Error }

/// <summary>What a run saw: answers by class and command kind, and the latency of every decided answer.</summary>
public sealed class Tally
{
    public const int ErrorSamplesMax = 5;

    private readonly object _lock = new();
    private readonly List<double> _decidedMs = new(1 << 16);
    private readonly long[] _byClass = new long[Enum.GetValues<AnswerClass>().Length];
    private readonly long[] _decidedByKind = new long[Enum.GetValues<CommandKind>().Length];
    private readonly List<string> _errorSamples = [];
    private long _missed;

    public void Record(CommandKind kind, AnswerClass answer, double latencyMs, string? error = null)
    {
        lock (_lock)
        {
            _byClass[(int)answer]++;
            if (answer is AnswerClass.Accepted or AnswerClass.Rejected)
            {
                _decidedMs.Add(latencyMs);
                _decidedByKind[(int)kind]++;
            }
            if (error is not null && _errorSamples.Count < ErrorSamplesMax) _errorSamples.Add(error);
        }
    }

    /// <summary>An open-loop request that was due but not sent: too many were already in flight.</summary>
    public void Missed()
    {
        lock (_lock) _missed++;
    }

    public static AnswerClass Classify(int status) => status switch
    {
        200 or 201 => AnswerClass.Accepted,
        409 or 422 => AnswerClass.Rejected,
        202 => AnswerClass.Pending,
        429 or 503 => AnswerClass.Refused,
        _ => AnswerClass.Error,
    };

    public ScenarioCounts Summarize(double seconds)
    {
        lock (_lock)
        {
            var sorted = _decidedMs.ToArray();
            Array.Sort(sorted);
            var decided = _byClass[(int)AnswerClass.Accepted] + _byClass[(int)AnswerClass.Rejected];
            return new ScenarioCounts(
                seconds, decided / seconds,
                _byClass[(int)AnswerClass.Accepted], _byClass[(int)AnswerClass.Rejected], _byClass[(int)AnswerClass.Pending],
                _byClass[(int)AnswerClass.Refused], _byClass[(int)AnswerClass.Error], _missed,
                Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 99), Percentiles.Of(sorted, 99.9),
                sorted.Length == 0 ? double.NaN : sorted[^1],
                Enum.GetValues<CommandKind>().ToDictionary(k => k.ToString(), k => _decidedByKind[(int)k]),
                [.. _errorSamples]);
        }
    }
}

public sealed record ScenarioCounts(
    double Seconds, double DecidedPerSecond,
    long Accepted, long Rejected, long Pending, long Refused, long Errors, long Missed,
    double P50Ms, double P99Ms, double P999Ms, double MaxMs,
    Dictionary<string, long> DecidedByKind, string[] ErrorSamples);
