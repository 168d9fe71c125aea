namespace Ledger.Api.Commands;

/// <summary>How the edge takes commands ("Commands" section).</summary>
public sealed class CommandOptions
{
    public const string Section = "Commands";

    /// <summary>How long a POST waits for the writer's decision before answering 202 with a Location.</summary>
    public TimeSpan DecisionDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether a command whose partition this process's own writer owns is handed to that writer
    /// in process (<see cref="Writer.WriterInbox"/>) rather than produced onto ledger.commands for it to
    /// fetch back. Either way it is decided by the partition's one writer, in one Kafka transaction with
    /// its events, and answered only after that commits. Off: every command goes through ledger.commands.</summary>
    public bool DecideInProcess { get; set; } = true;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long RequestBodyBytesMax { get; set; } = 64 * 1024;

    /// <summary>Deepest nesting of JSON a command body may hold. Bodies are flat objects of strings, so
    /// only a wrong value nests at all; this bounds the reader's work on one.</summary>
    public int RequestBodyDepthMax { get; set; } = 8;

    /// <summary>Most members a refusal of a command body names (unknown, repeated, mistyped): enough to
    /// fix a request, while a body of thousands of unknown members gets no answer as large.</summary>
    public int RequestBodyErrorsMax { get; set; } = 16;

    /// <summary>Largest request headers (all of them together) answered with more than a 431, in bytes.</summary>
    public int RequestHeadersBytesMax { get; set; } = 32 * 1024;

    /// <summary>Commands this edge has produced and still waits on. Past it, new commands are refused
    /// with 503 at once: waiting longer would only pile requests up until everything times out.</summary>
    public int InFlightMax { get; set; } = 5_000;

    /// <summary>Commands on a partition of ledger.commands not yet decided by its writer. Past it,
    /// new commands for that partition's users are refused with 503; other partitions go on.</summary>
    public long PartitionLagMax { get; set; } = 50_000;

    /// <summary>How often the edge reads the writers' lag from Kafka.</summary>
    public TimeSpan LagSampleInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>What a 503 for overload tells the caller to wait (Retry-After, whole seconds).</summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (DecisionDeadline <= TimeSpan.Zero || DecisionDeadline > TimeSpan.FromMinutes(1))
            errors.Add("Commands:DecisionDeadline must be between 0 and 1 minute");
        if (RequestBodyBytesMax is < 1024 or > 16 * 1024 * 1024)
            errors.Add("Commands:RequestBodyBytesMax must be between 1 KiB and 16 MiB");
        if (RequestBodyDepthMax is < 2 or > 64) errors.Add("Commands:RequestBodyDepthMax must be between 2 and 64");
        if (RequestBodyErrorsMax is < 1 or > 1_000) errors.Add("Commands:RequestBodyErrorsMax must be between 1 and 1,000");
        if (RequestHeadersBytesMax is < 4 * 1024 or > 1024 * 1024)
            errors.Add("Commands:RequestHeadersBytesMax must be between 4 KiB and 1 MiB");
        if (InFlightMax is < 1 or > 1_000_000) errors.Add("Commands:InFlightMax must be between 1 and 1,000,000");
        if (PartitionLagMax is < 1 or > 100_000_000) errors.Add("Commands:PartitionLagMax must be between 1 and 100,000,000");
        if (LagSampleInterval < TimeSpan.FromMilliseconds(50) || LagSampleInterval > TimeSpan.FromSeconds(30))
            errors.Add("Commands:LagSampleInterval must be between 50 ms and 30 s");
        if (OverloadRetryAfter < TimeSpan.FromSeconds(1) || OverloadRetryAfter > TimeSpan.FromMinutes(5))
            errors.Add("Commands:OverloadRetryAfter must be between 1 s and 5 minutes");
        return errors;
    }
}
