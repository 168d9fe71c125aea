namespace Ledger.Api.ReadModel;

/// <summary>The PostgreSQL read models the Api answers reads from ("Postgres" section).
/// The write path never touches them.</summary>
public sealed class ReadModelOptions
{
    public const string Section = "Postgres";

    public string ConnectionString { get; set; } = "";

    /// <summary>Longest a read query may run.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString)) errors.Add("Postgres:ConnectionString is required");
        if (QueryTimeout <= TimeSpan.Zero) errors.Add("Postgres:QueryTimeout must be positive");
        return errors;
    }
}
