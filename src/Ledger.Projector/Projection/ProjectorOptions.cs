namespace Ledger.Projector.Projection;

/// <summary>The projector's database and batching ("Postgres" and "Projector" sections).</summary>
public sealed class ProjectorOptions
{
    public const string Section = "Projector";

    /// <summary>Events projected in one PostgreSQL transaction at most.</summary>
    public int BatchSizeMax { get; set; } = 2_000;

    /// <summary>Longest a started batch waits for more events before it is written.</summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Pause before a projector that failed joins its group again.</summary>
    public TimeSpan RestartBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (BatchSizeMax is < 1 or > 100_000) errors.Add("Projector:BatchSizeMax must be between 1 and 100000");
        if (BatchWait <= TimeSpan.Zero || BatchWait > TimeSpan.FromSeconds(10)) errors.Add("Projector:BatchWait must be between 0 and 10 s");
        if (RestartBackoff < TimeSpan.Zero) errors.Add("Projector:RestartBackoff must not be negative");
        return errors;
    }
}

public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    public string ConnectionString { get; set; } = "";

    public IReadOnlyList<string> Errors() =>
        string.IsNullOrWhiteSpace(ConnectionString) ? ["Postgres:ConnectionString is required"] : [];
}
