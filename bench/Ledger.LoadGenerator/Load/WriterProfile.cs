using System.Globalization;

namespace Ledger.LoadGenerator.Load;

/// <summary>The Api's own account of the window, from its /metrics before and after: time inside the
/// writers deciding, Kafka transaction time per batch, batch sizes, and the edge's decision time.</summary>
public sealed record WriterProfile(double Commands, double Batches, double DecideMsSum, double TransactionMsSum, double EdgeDecisions, double EdgeDecisionMsSum)
{
    public static async Task<WriterProfile?> Read(HttpClient http)
    {
        try
        {
            var text = await http.GetStringAsync("/metrics");
            return new WriterProfile(
                Sum(text, "ledger_writer_commands_total"),
                Count(text, "ledger_writer_decide_duration"), // one sample per batch
                MillisecondsSum(text, "ledger_writer_decide_duration"),
                MillisecondsSum(text, "ledger_writer_transaction_duration"),
                Count(text, "ledger_api_decision_duration"),
                MillisecondsSum(text, "ledger_api_decision_duration"));
        }
        catch (HttpRequestException) { return null; }
    }

    public WriterProfile Minus(WriterProfile before) => new(
        Commands - before.Commands, Batches - before.Batches, DecideMsSum - before.DecideMsSum,
        TransactionMsSum - before.TransactionMsSum, EdgeDecisions - before.EdgeDecisions, EdgeDecisionMsSum - before.EdgeDecisionMsSum);

    // A histogram in seconds (this revision) or in ms (revisions before it, measured by --compare).
    private static double Count(string text, string histogram) =>
        Sum(text, histogram + "_seconds_count") + Sum(text, histogram + "_ms_count");

    private static double MillisecondsSum(string text, string histogram) =>
        Sum(text, histogram + "_seconds_sum") * 1000 + Sum(text, histogram + "_ms_sum");

    /// <summary>Sums a sample over all its label sets.</summary>
    private static double Sum(string text, string name)
    {
        var total = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length) continue;
            if (line[name.Length] is not ('{' or ' ')) continue;
            total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return total;
    }
}
