using System.Collections.Concurrent;
using NJsonSchema;

namespace Ledger.Tests.Contracts;

/// <summary>The JSON Schemas of ledger.events as published in docs/events/schemas (draft-07), one
/// file per event type, loaded with NJsonSchema. Their shared definitions (common.schema.json) are
/// resolved from the same folder, as any consumer's validator would.</summary>
public static class EventSchemas
{
    public const string CommonFile = "common.schema.json";
    private const string Suffix = ".schema.json";
    private static readonly ConcurrentDictionary<string, Lazy<Task<JsonSchema>>> Loaded = new();

    public static string Folder { get; } = Path.Combine(Support.Repository.Root, "docs", "events", "schemas");

    public static string DocumentPath { get; } = Path.Combine(Support.Repository.Root, "docs", "events.md");

    /// <summary>Event types that have a schema file (every file but the shared definitions).</summary>
    public static IReadOnlySet<string> Types() => Directory.EnumerateFiles(Folder, "*" + Suffix)
        .Select(path => Path.GetFileName(path)[..^Suffix.Length])
        .Where(name => name + Suffix != CommonFile)
        .ToHashSet(StringComparer.Ordinal);

    public static Task<JsonSchema> Of(string eventType) => Loaded.GetOrAdd(eventType, type => new Lazy<Task<JsonSchema>>(
        () => JsonSchema.FromFileAsync(Path.Combine(Folder, type + Suffix)))).Value;

    /// <summary>The validation errors of one record's value against the schema its type names; empty when it conforms.</summary>
    public static async Task<IReadOnlyList<string>> Errors(string eventType, string json)
    {
        if (!Types().Contains(eventType)) return [$"no schema file for event type '{eventType}'"];
        var schema = await Of(eventType);
        return schema.Validate(json).Select(error => error.ToString()).ToList();
    }
}
