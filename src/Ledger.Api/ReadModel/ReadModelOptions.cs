namespace Ledger.Api.ReadModel;

/// <summary>The PostgreSQL read models the Api answers reads from ("Postgres" section).
/// The write path never touches them.</summary>
public sealed class ReadModelOptions
{
    public const string Section = "Postgres";

    public string ConnectionString { get; set; } = "";

    /// <summary>Longest a read query may run.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a read given a consistency token waits for the projector to pass it.</summary>
    public TimeSpan ConsistencyWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often waiting reads look at the projector's position (one query for all of them).</summary>
    public TimeSpan ConsistencyPollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The largest ConsistencyWaitMax accepted: a read that waits longer holds a connection
    /// slot and a caller for a time no client should be asked to wait.</summary>
    public static readonly TimeSpan ConsistencyWaitLimit = TimeSpan.FromSeconds(30);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString)) errors.Add("Postgres:ConnectionString is required");
        if (QueryTimeout <= TimeSpan.Zero) errors.Add("Postgres:QueryTimeout must be positive");
        if (ConsistencyWaitMax <= TimeSpan.Zero || ConsistencyWaitMax > ConsistencyWaitLimit)
            errors.Add($"Postgres:ConsistencyWaitMax must be positive and at most {ConsistencyWaitLimit.TotalSeconds:0} s");
        if (ConsistencyPollInterval <= TimeSpan.Zero || ConsistencyPollInterval > ConsistencyWaitMax)
            errors.Add("Postgres:ConsistencyPollInterval must be positive and at most Postgres:ConsistencyWaitMax");
        return errors;
    }
}
