namespace Ledger.Api.Commands;

/// <summary>How the edge takes commands ("Commands" section).</summary>
public sealed class CommandOptions
{
    public const string Section = "Commands";

    /// <summary>How long a POST waits for the writer's decision before answering 202 with a Location.</summary>
    public TimeSpan DecisionDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long RequestBodyBytesMax { get; set; } = 64 * 1024;

    /// <summary>Largest request headers (all of them together) answered with more than a 431, in bytes.</summary>
    public int RequestHeadersBytesMax { get; set; } = 32 * 1024;

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (DecisionDeadline <= TimeSpan.Zero || DecisionDeadline > TimeSpan.FromMinutes(1))
            errors.Add("Commands:DecisionDeadline must be between 0 and 1 minute");
        if (RequestBodyBytesMax is < 1024 or > 16 * 1024 * 1024)
            errors.Add("Commands:RequestBodyBytesMax must be between 1 KiB and 16 MiB");
        if (RequestHeadersBytesMax is < 4 * 1024 or > 1024 * 1024)
            errors.Add("Commands:RequestHeadersBytesMax must be between 4 KiB and 1 MiB");
        return errors;
    }
}
