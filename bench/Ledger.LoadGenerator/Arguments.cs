using System.Globalization;

namespace Ledger.LoadGenerator;

/// <summary>--name value pairs; a name given more than once keeps every value.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (name is null)
            {
                if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name, got '{arg}'");
                name = arg[2..];
                continue;
            }
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(arg);
            name = null;
        }
        if (name is not null) throw new ArgumentException($"--{name} needs a value");
    }

    public string Text(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var list) ? list[^1] : fallback ?? throw new ArgumentException($"--{name} is required");

    public string? Optional(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int Int(string name, int? fallback = null) =>
        Optional(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required");

    public double Double(string name, double? fallback = null) =>
        Optional(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"--{name} is required");
}
