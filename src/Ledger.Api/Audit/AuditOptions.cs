namespace Ledger.Api.Audit;

/// <summary>The audit's bounds ("Audit" section), validated at start-up.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";
    public const int ExamplesMaxDefault = 20;
    public const int ExamplesMaxLimit = 1_000;

    /// <summary>Differences spelled out per check; the rest are only counted.</summary>
    public int ExamplesMax { get; set; } = ExamplesMaxDefault;

    /// <summary>Longest one audit query may run: the audit reads whole tables.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long reading a Kafka partition may go without receiving anything.</summary>
    public TimeSpan KafkaStallTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (ExamplesMax is < 1 or > ExamplesMaxLimit) errors.Add($"Audit:ExamplesMax must be between 1 and {ExamplesMaxLimit}");
        if (QueryTimeout < TimeSpan.FromSeconds(1)) errors.Add("Audit:QueryTimeout must be at least 1 s");
        if (KafkaStallTimeout < TimeSpan.FromSeconds(1)) errors.Add("Audit:KafkaStallTimeout must be at least 1 s");
        return errors;
    }
}
