namespace Ledger.Api.Writer;

/// <summary>The partition writers hosted by this process ("Writer" section).</summary>
public sealed class WriterOptions
{
    public const string Section = "Writer";

    /// <summary>Whether this instance hosts partition writers; edges and writers can scale apart.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Commands decided in one Kafka transaction at most.</summary>
    public int BatchSizeMax { get; set; } = 500;

    /// <summary>Commands waiting for one partition's writer at most; beyond it the partition is paused.</summary>
    public int InboxCapacity { get; set; } = 10_000;

    /// <summary>How long a transaction step (init, send offsets, commit) may take before the writer restarts.</summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long rebuilding a partition's state may go without reading a record.</summary>
    public TimeSpan RecoveryStallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a user's idempotency keys are remembered (event time).</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Where partition writers keep their snapshots (one file per partition); none when empty.
    /// A writer that finds its partition's snapshot replays only the events after it.</summary>
    public string? SnapshotDirectory { get; set; }

    /// <summary>A writer snapshots its partition after deciding this many events since its last one.</summary>
    public int SnapshotEveryEvents { get; set; } = 25_000;

    /// <summary>Pause before a writer group member that failed joins again.</summary>
    public TimeSpan RestartBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (BatchSizeMax is < 1 or > 100_000) errors.Add("Writer:BatchSizeMax must be between 1 and 100000");
        if (InboxCapacity < BatchSizeMax) errors.Add("Writer:InboxCapacity must be at least Writer:BatchSizeMax");
        if (TransactionTimeout <= TimeSpan.Zero) errors.Add("Writer:TransactionTimeout must be positive");
        if (RecoveryStallTimeout <= TimeSpan.Zero) errors.Add("Writer:RecoveryStallTimeout must be positive");
        if (IdempotencyWindow <= TimeSpan.Zero) errors.Add("Writer:IdempotencyWindow must be positive");
        if (SnapshotEveryEvents is < 1 or > 100_000_000) errors.Add("Writer:SnapshotEveryEvents must be between 1 and 100000000");
        if (SnapshotDirectory is { Length: > 0 } directory && File.Exists(directory))
            errors.Add($"Writer:SnapshotDirectory {directory} is a file, not a directory");
        if (RestartBackoff < TimeSpan.Zero) errors.Add("Writer:RestartBackoff must not be negative");
        return errors;
    }
}
