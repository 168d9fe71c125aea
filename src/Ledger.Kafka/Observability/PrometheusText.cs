using System.Globalization;
using System.Text;

namespace Ledger.Observability;

/// <summary>The Prometheus text exposition format 0.0.4: # HELP, # TYPE, name{label="value"} value,
/// and for histograms cumulative _bucket{le="..."} lines, _sum and _count.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>"ledger.writer.decide.duration" in "ms" is ledger_writer_decide_duration_ms; counters end in _total.</summary>
    public static string MetricName(string instrumentName, string? unit, MetricKind kind)
    {
        var name = Sanitise(instrumentName);
        var suffix = unit switch { "ms" => "_ms", "s" => "_seconds", "By" => "_bytes", _ => "" };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal)) name += suffix;
        if (kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    public static string Render(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        foreach (var family in families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Gauge => "gauge",
                _ => "histogram",
            }).Append('\n');
            foreach (var point in family.Points)
            {
                if (family.Kind == MetricKind.Histogram) RenderHistogram(text, family, point);
                else Sample(text, family.Name, LabelText(point.Labels), point.Value);
            }
        }
        return text.ToString();
    }

    private static void RenderHistogram(StringBuilder text, MetricFamily family, MetricPoint point)
    {
        long cumulative = 0;
        for (var bucket = 0; bucket <= family.Bounds.Count; bucket++)
        {
            cumulative += point.BucketCounts[bucket];
            var le = bucket < family.Bounds.Count ? Number(family.Bounds[bucket]) : "+Inf";
            Sample(text, family.Name + "_bucket", LabelText([.. point.Labels, new("le", le)]), cumulative);
        }
        var labels = LabelText(point.Labels);
        Sample(text, family.Name + "_sum", labels, point.Sum);
        Sample(text, family.Name + "_count", labels, point.Count);
    }

    private static void Sample(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');

    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Tags as labels, sorted by name, values as invariant text.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return [];
        var labels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
            labels[i] = new(Sanitise(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }

    /// <summary>{a="1",b="x"}, or nothing for no labels.</summary>
    public static string LabelText(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        if (labels.Count == 0) return "";
        var text = new StringBuilder("{");
        for (var i = 0; i < labels.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(labels[i].Key).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
        }
        return text.Append('}').ToString();
    }

    private static string Sanitise(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name) text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (text.Length == 0 || char.IsAsciiDigit(text[0])) text.Insert(0, '_');
        return text.ToString();
    }

    private static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
