using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Idempotency;
using Ledger.Contracts;
using Ledger.Tests.Domain;
using Ledger.Tests.Projection;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Contracts;

/// <summary>
/// ledger.events is a public contract (docs/events.md): every event the real EventCodec writes
/// validates against its type's JSON Schema, every event type has a schema and a section in the
/// document, and the schemas are strict enough to refuse what the document says is not an event.
/// </summary>
public sealed partial class EventContractTests(ITestOutputHelper output)
{
    private const int CasesMin = 20;
    private const int CasesMax = 500;
    private const int StepsPerCase = 60;
    private static readonly EventCodec Codec = new(AssetCatalog.Default);

    /// <summary>Every event type of the domain: the codec must write each, the document describe each.</summary>
    public static IReadOnlySet<string> DomainEventTypes { get; } = typeof(LedgerEvent).Assembly.GetTypes()
        .Where(type => type.IsSubclassOf(typeof(LedgerEvent)) && !type.IsAbstract)
        .Select(type => type.Name)
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task every_event_the_codec_writes_from_a_seeded_random_run_of_the_domain_validates_against_its_schema()
    {
        var seed = GeneratedStream.SeedFromEnvironment();
        output.WriteLine($"seed {seed} (LEDGER_TEST_SEED={seed} replays it)");
        var random = new Random(seed);
        var validated = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < CasesMax && (i < CasesMin || validated.Count < DomainEventTypes.Count); i++)
        {
            // The domain's own property run (deposits, withdrawals, orders, fills, cancels, transfers,
            // refused and repeated commands, late saga steps); its events are encoded as the writer does.
            var simulation = new LedgerSimulation(random.Next());
            simulation.Run(StepsPerCase);
            foreach (var (@event, json) in Encoded(simulation.Events))
            {
                var type = @event.GetType().Name;
                var errors = await EventSchemas.Errors(type, json);
                Assert.True(errors.Count == 0, $"seed {seed}: {type} does not match its schema: {string.Join("; ", errors)}\n{json}");
                validated[type] = validated.GetValueOrDefault(type) + 1;
            }
        }
        output.WriteLine(string.Join(Environment.NewLine, validated.Select(pair => $"{pair.Key}: {pair.Value}")));
        Assert.Equal(DomainEventTypes.Order(StringComparer.Ordinal), validated.Keys);
    }

    /// <summary>The events with the balances the writer publishes beside them. The simulation's two
    /// partitions hold different users, so one state replays both logs.</summary>
    private static IEnumerable<(LedgerEvent Event, string Json)> Encoded(IEnumerable<LedgerEvent> events)
    {
        var state = new LedgerState();
        foreach (var @event in events)
        {
            LedgerDecider.Evolve(state, @event, out var balancesAfter);
            yield return (@event, Encoding.UTF8.GetString(Codec.Encode(new EventMessage(@event, balancesAfter))));
        }
    }

    [Fact]
    public void every_event_type_has_a_schema_file_and_a_section_in_the_events_document()
    {
        var document = File.ReadAllText(EventSchemas.DocumentPath);
        var sections = EventSection().Matches(document).Select(match => match.Groups[1].Value).ToList();
        Assert.Equal(DomainEventTypes.Order(StringComparer.Ordinal), EventSchemas.Types().Order(StringComparer.Ordinal));
        Assert.Equal(DomainEventTypes.Order(StringComparer.Ordinal), sections.Order(StringComparer.Ordinal));
        foreach (var type in DomainEventTypes)
            Assert.Contains($"events/schemas/{type}.schema.json", document, StringComparison.Ordinal);
        foreach (var header in new[] { LedgerHeaders.EventType, LedgerHeaders.SchemaVersion, LedgerHeaders.CorrelationId, LedgerHeaders.IdempotencyKey })
            Assert.Contains($"`{header}`", document, StringComparison.Ordinal);
        Assert.Contains($"`{EventMessage.SchemaVersion}`", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task every_example_in_the_events_document_validates_against_the_schema_of_its_section()
    {
        var document = File.ReadAllText(EventSchemas.DocumentPath);
        var sections = EventSection().Matches(document).ToList();
        var examples = 0;
        for (var i = 0; i < sections.Count; i++)
        {
            var type = sections[i].Groups[1].Value;
            var end = i + 1 < sections.Count ? sections[i + 1].Index : document.IndexOf("\n## ", sections[i].Index, StringComparison.Ordinal);
            foreach (Match block in JsonBlock().Matches(document[sections[i].Index..end]))
            {
                var errors = await EventSchemas.Errors(type, block.Groups[1].Value);
                Assert.True(errors.Count == 0, $"the example of {type} does not match its schema: {string.Join("; ", errors)}");
                examples++;
            }
        }
        Assert.True(examples >= 4, $"found {examples} examples");
    }

    /// <summary>A schema that accepted anything would pass the tests above: these must be refused.</summary>
    [Theory]
    [InlineData("an unknown field", "extra", "\"x\"")]
    [InlineData("an amount as a JSON number", "amount", "100")]
    [InlineData("an amount with an exponent", "amount", "\"1e3\"")]
    [InlineData("an amount with a sign", "amount", "\"+1.00\"")]
    [InlineData("a lower-case asset", "asset", "\"usd\"")]
    [InlineData("another type", "type", "\"Withdrawn\"")]
    [InlineData("another schema version", "schemaVersion", "2")]
    [InlineData("a time without microseconds", "at", "\"2026-01-01T00:00:00Z\"")]
    [InlineData("a command id that is no UUID", "commandId", "\"42\"")]
    [InlineData("a missing amount", "amount", null)]
    [InlineData("a missing postings list", "postings", null)]
    [InlineData("a posting on an unknown book", "postings", "[{\"owner\":\"@ledger\",\"book\":\"suspense\",\"asset\":\"USD\",\"amount\":\"-1.00\"},{\"owner\":\"alice\",\"book\":\"available\",\"asset\":\"USD\",\"amount\":\"1.00\"}]")]
    [InlineData("a third posting", "postings", "[{\"owner\":\"@ledger\",\"book\":\"fees\",\"asset\":\"USD\",\"amount\":\"0.00\"},{\"owner\":\"@ledger\",\"book\":\"fees\",\"asset\":\"USD\",\"amount\":\"0.00\"},{\"owner\":\"@ledger\",\"book\":\"fees\",\"asset\":\"USD\",\"amount\":\"0.00\"}]")]
    public async Task the_schemas_refuse_what_is_not_an_event(string what, string field, string? value)
    {
        var deposited = new Deposited(new Request(Guid.NewGuid(), "alice", "key-1", "fingerprint"),
            new DateTimeOffset(2026, 11, 22, 9, 15, 2, TimeSpan.Zero), "USD", 10_000);
        var json = Encoding.UTF8.GetString(Codec.Encode(new EventMessage(deposited, [new AssetBalance("USD", new(10_000, 0))])));
        Assert.Empty(await EventSchemas.Errors(nameof(Deposited), json));

        var changed = JsonNode.Parse(json)!.AsObject();
        if (value is null) changed.Remove(field);
        else changed[field] = JsonNode.Parse(value);
        Assert.True((await EventSchemas.Errors(nameof(Deposited), changed.ToJsonString())).Count > 0, $"{what} was accepted");
    }

    [GeneratedRegex(@"^### `(\w+)`\s*$", RegexOptions.Multiline)]
    private static partial Regex EventSection();

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
