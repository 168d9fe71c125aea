namespace Ledger.Api.Writer;

/// <summary>The partition writers hosted by this process ("Writer" section).</summary>
public sealed class WriterOptions
{
    public const string Section = "Writer";

    /// <summary>Whether this instance hosts partition writers; edges and writers can scale apart.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Commands decided in one Kafka transaction at most.</summary>
    public int BatchSizeMax { get; set; } = 500;

    /// <summary>Names this writer instance in its transactional id ("{WriterGroup}-{InstanceId}"). Give each
    /// writer host a stable one (its host or pod name) so that, restarted, it aborts at once what its
    /// previous run left open; two live instances must never share one (they would fence each other).
    /// Empty: a new random id per start.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary>How long a transaction step (init, send offsets, commit) may take before the writer restarts.</summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one transaction call into librdkafka (init, send offsets, commit, abort) may go
    /// without returning before the process leaves its group and exits (<see cref="TransactionWatchdog"/>):
    /// librdkafka can block in one for good when the group coordinator goes down. A healthy call
    /// returns in milliseconds, or within a broker outage; a supervisor starts the process again. Below the
    /// group's session timeout, so a writer cut off from the brokers in the middle of a transaction has
    /// ended before its partitions can go to another writer.</summary>
    public TimeSpan TransactionCallStuckAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most <see cref="TransactionCallStuckAfter"/> may be: a second below the session timeout.</summary>
    public static readonly TimeSpan TransactionCallStuckAfterMax = TimeSpan.FromMilliseconds(Ledger.Kafka.KafkaTimeouts.SessionTimeoutMs - 1_000);

    /// <summary>How long rebuilding a partition's state may go without reading a record.</summary>
    public TimeSpan RecoveryStallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a user's idempotency keys are remembered (event time).</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Where partition writers keep their snapshots (one file per partition); none when empty.
    /// A writer that finds its partition's snapshot replays only the events after it.</summary>
    public string? SnapshotDirectory { get; set; }

    /// <summary>A writer snapshots its partition after deciding this many events since its last one.</summary>
    public int SnapshotEveryEvents { get; set; } = 25_000;

    /// <summary>While it waits for commands handed by this process's edge (<see cref="WriterInbox"/>), how
    /// often the writer looks at ledger.commands (saga steps, commands of edges elsewhere): the most
    /// such a command waits for an idle writer. librdkafka's consumer cannot be woken from outside.</summary>
    public TimeSpan CommandLogPollInterval { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The shortest time from the start of one of the writer's transactions to the start of the
    /// next. Under light load, what arrives meanwhile shares one transaction instead of each few commands
    /// paying for their own (a transaction costs librdkafka and the broker about the same for 1 command
    /// as for 100); under heavy load a batch takes longer than this anyway. Zero: no wait.</summary>
    public TimeSpan TransactionIntervalMin { get; set; } = TimeSpan.FromMilliseconds(TransactionIntervalMinDefaultMs);

    public const int TransactionIntervalMinDefaultMs = 6;

    public static readonly TimeSpan TransactionIntervalMinMax = TimeSpan.FromMilliseconds(50);

    /// <summary>Pause before a writer group member that failed joins again.</summary>
    public TimeSpan RestartBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public const int InstanceIdLengthMax = 100;

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (BatchSizeMax is < 1 or > 100_000) errors.Add("Writer:BatchSizeMax must be between 1 and 100000");
        if (InstanceId.Length > InstanceIdLengthMax || InstanceId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
            errors.Add($"Writer:InstanceId must be at most {InstanceIdLengthMax} letters, digits, '-', '_' or '.'");
        if (TransactionTimeout <= TimeSpan.Zero) errors.Add("Writer:TransactionTimeout must be positive");
        if (TransactionCallStuckAfter < TimeSpan.FromSeconds(1) || TransactionCallStuckAfter > TransactionCallStuckAfterMax)
            errors.Add($"Writer:TransactionCallStuckAfter must be between 1 s and {TransactionCallStuckAfterMax.TotalSeconds:0} s " +
                       $"(below the writer group's {Ledger.Kafka.KafkaTimeouts.SessionTimeoutMs / 1000} s session timeout, so that a writer cut off " +
                       "in the middle of a transaction has ended before another writer may take its partitions)");
        if (RecoveryStallTimeout <= TimeSpan.Zero) errors.Add("Writer:RecoveryStallTimeout must be positive");
        if (IdempotencyWindow <= TimeSpan.Zero) errors.Add("Writer:IdempotencyWindow must be positive");
        if (SnapshotEveryEvents is < 1 or > 100_000_000) errors.Add("Writer:SnapshotEveryEvents must be between 1 and 100000000");
        if (SnapshotDirectory is { Length: > 0 } directory && File.Exists(directory))
            errors.Add($"Writer:SnapshotDirectory {directory} is a file, not a directory");
        if (CommandLogPollInterval < TimeSpan.FromMilliseconds(1) || CommandLogPollInterval > TimeSpan.FromMilliseconds(100))
            errors.Add("Writer:CommandLogPollInterval must be between 1 and 100 ms");
        if (TransactionIntervalMin < TimeSpan.Zero || TransactionIntervalMin > TransactionIntervalMinMax)
            errors.Add("Writer:TransactionIntervalMin must be between 0 and 50 ms");
        if (RestartBackoff < TimeSpan.Zero) errors.Add("Writer:RestartBackoff must not be negative");
        return errors;
    }
}
