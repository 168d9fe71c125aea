using System.Globalization;

namespace Ledger.Tail;

/// <summary>Where the tail reads from and how far back it starts; parsed from the command line and
/// checked before anything connects.</summary>
internal sealed record TailOptions
{
    public const string TopicDefault = "ledger.events";
    public const string BootstrapFileDefault = ".data/kafka.bootstrap";
    public const string GroupPrefix = "ledger-tail-";

    public const string Usage =
        "usage: ledger tail [--from ISO-8601-TIME | --from beginning] [--group NAME] [--bootstrap HOST:PORT,...]\n" +
        "                   [--bootstrap-file PATH (default .data/kafka.bootstrap)] [--topic NAME (default ledger.events)]\n" +
        "  Prints one line per event of ledger.events: record time, partition@offset, type, user, the event's JSON.\n" +
        "  Without --from it prints new events only (or continues where --group NAME last stopped).";

    public string? Bootstrap { get; init; }
    public string BootstrapFile { get; init; } = BootstrapFileDefault;
    public string Topic { get; init; } = TopicDefault;

    /// <summary>Its own consumer group, so it never takes partitions from the projector or another
    /// tail. Fresh per run unless named: a named group resumes where it last stopped.</summary>
    public string Group { get; init; } = GroupPrefix + Guid.NewGuid().ToString("N")[..12];

    public bool GroupNamed { get; init; }

    /// <summary>Start at the first event recorded at or after this time; null: see <see cref="FromBeginning"/>.</summary>
    public DateTimeOffset? From { get; init; }

    public bool FromBeginning { get; init; }

    public string? Error { get; init; }

    public static TailOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TailOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help") return options with { Error = "" };
            var value = i + 1 < args.Count ? args[++i] : null;
            if (string.IsNullOrWhiteSpace(value)) return options with { Error = $"{name} needs a value" };
            options = name switch
            {
                "--bootstrap" => options with { Bootstrap = value },
                "--bootstrap-file" => options with { BootstrapFile = value },
                "--topic" => options with { Topic = value },
                "--group" => options with { Group = value, GroupNamed = true },
                "--from" when value == "beginning" => options with { FromBeginning = true },
                "--from" when TryParseTime(value, out var from) => options with { From = from },
                "--from" => options with { Error = $"--from '{value}' is neither an ISO 8601 time with a UTC offset (2026-11-22T00:00:00Z) nor 'beginning'" },
                _ => options with { Error = $"unknown option '{name}'" },
            };
            if (options.Error is not null) return options;
        }
        return options;
    }

    /// <summary>A time that says its offset (Z or +hh:mm): a bare local time would mean different
    /// instants on different machines.</summary>
    private static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T');
        return text.Contains('T') && hasOffset
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>The brokers: --bootstrap, else the file local mode writes (./ledger up).</summary>
    public string? ResolveBootstrap(out string? problem)
    {
        problem = null;
        if (Bootstrap is not null) return Bootstrap;
        if (File.Exists(BootstrapFile) && File.ReadAllText(BootstrapFile).Trim() is { Length: > 0 } fromFile) return fromFile;
        problem = $"no --bootstrap given and {BootstrapFile} is missing or empty: is `./ledger up` running?";
        return null;
    }
}
