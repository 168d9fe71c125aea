using System.Net;
using Confluent.Kafka;
using Ledger.Contracts;
using Ledger.Domain;
using Ledger.Domain.Assets;
using Ledger.Domain.Transfers;
using Ledger.Kafka;
using Ledger.Tests.Integration;
using Ledger.Tests.Support;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.Tests.Audit;

/// <summary>The audit passes on a healthy ledger, and fails, naming what differs, on a read model
/// broken on purpose: so we know it can fail.</summary>
public sealed class AuditTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task the_audit_passes_on_a_healthy_ledger_and_names_a_tampered_balance_and_a_lost_entry()
    {
        // Every command by ledger.commands (no hand-off in process, ADR 0002), so that the check of the
        // accepted commands has all six to read, the transfer's credit among them.
        await using var ledger = await RunningLedger.Start(partitions: 4, brokers: 1,
            environment: new Dictionary<string, string> { ["Commands__DecideInProcess"] = "false" });
        var (alice, bob) = ("audit-alice", OnAnotherPartition(ledger, "audit-alice"));
        await Decided(ledger, "/v1/deposits", new { userId = alice, asset = "USD", amount = "100.00" }, "a-1", HttpStatusCode.Created);
        await Decided(ledger, "/v1/deposits", new { userId = bob, asset = "USD", amount = "5.00" }, "b-1", HttpStatusCode.Created);
        await Decided(ledger, "/v1/withdrawals", new { userId = alice, asset = "USD", amount = "500.00" }, "a-2", HttpStatusCode.UnprocessableEntity);
        await Decided(ledger, "/v1/transfers", new { transferId = "t-1", fromUserId = alice, toUserId = bob, asset = "USD", amount = "30.00" },
            "a-3", HttpStatusCode.Created);
        await Decided(ledger, "/v1/orders", new { userId = alice, market = "BTC-USD", side = "buy", price = "10.00", quantity = "1.00000000" },
            "a-4", HttpStatusCode.Created);
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") == 6,
            Deadline, "the six decisions (the transfer's credit too) are projected");

        var healthy = await ledger.Audit();
        output.WriteLine(healthy.ToString());
        Assert.True(healthy.IsOk(), healthy.Failures());
        Assert.Equal(["postings_sum_to_zero", "balance_cache_equals_replay", "event_store_equals_kafka", "no_negative_balance",
            "applied_at_most_once", "accepted_commands_decided", "transfers_complete"],
            healthy.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(6, healthy.Check("event_store_equals_kafka").GetProperty("checked").GetInt64());
        Assert.True(healthy.Check("accepted_commands_decided").GetProperty("checked").GetInt64() >= 6, "the commands were read");
        Assert.Equal(1, healthy.Check("transfers_complete").GetProperty("checked").GetInt64());
        Assert.Equal(4, healthy.GetProperty("covers").GetProperty("partitions").GetArrayLength());
        var (healthyExit, healthyText) = await ledger.AuditFromCommandLine();
        Assert.True(healthyExit == 0, healthyText);

        // A balance row changed behind the projector's back: the cache no longer equals the replay.
        await Execute(ledger, $"update balances set available = available + 1 where user_id = '{bob}' and asset = 'USD'");
        var tampered = await ledger.Audit();
        Assert.False(tampered.IsOk());
        var replay = tampered.Check("balance_cache_equals_replay");
        Assert.False(replay.GetProperty("ok").GetBoolean());
        Assert.Equal(1, replay.GetProperty("differences").GetInt64());
        Assert.Contains($"{bob} USD: cache available 3501 held 0, replay available 3500 held 0", replay.GetProperty("examples")[0].GetString());
        Assert.True(tampered.Check("postings_sum_to_zero").GetProperty("ok").GetBoolean(), "only the cache was changed");
        var (tamperedExit, tamperedText) = await ledger.AuditFromCommandLine();
        output.WriteLine(tamperedText);
        Assert.Equal(1, tamperedExit);
        Assert.Contains("FAIL  balance_cache_equals_replay", tamperedText);

        // An entry lost: the deposit's ledger side is gone, so USD no longer sums to zero.
        await Execute(ledger, $"update balances set available = available - 1 where user_id = '{bob}' and asset = 'USD'");
        await Execute(ledger, $"delete from ledger_entries where owner_id = '@ledger' and sequence = (select min(sequence) from events where user_id = '{alice}')");
        var lost = await ledger.Audit();
        Assert.False(lost.IsOk());
        var postings = lost.Check("postings_sum_to_zero");
        Assert.False(postings.GetProperty("ok").GetBoolean());
        Assert.Contains(postings.GetProperty("examples").EnumerateArray(), e => e.GetString()!.StartsWith("asset out of balance: asset USD, total 10000"));
        Assert.True(lost.Check("balance_cache_equals_replay").GetProperty("ok").GetBoolean(), "the cache was put back");
    }

    [Fact]
    public async Task the_audit_names_a_transfer_credited_without_its_debit_and_one_debited_whose_credit_was_never_sent()
    {
        await using var ledger = await RunningLedger.Start(partitions: 4, brokers: 1);
        var (alice, bob) = ("audit-alice", OnAnotherPartition(ledger, "audit-alice"));
        await Decided(ledger, "/v1/deposits", new { userId = alice, asset = "USD", amount = "100.00" }, "a-1", HttpStatusCode.Created);
        await Decided(ledger, "/v1/transfers", new { transferId = "t-1", fromUserId = alice, toUserId = bob, asset = "USD", amount = "30.00" },
            "a-2", HttpStatusCode.Created);
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events where type = 'TransferCredited'") == 1,
            Deadline, "the transfer is credited");
        var healthy = await ledger.Audit();
        Assert.True(healthy.IsOk(), healthy.Failures());

        // Forged onto ledger.events, as a writer bug would write them: money credited to bob that alice's
        // partition never debited, and a debit of alice whose credit command was never produced.
        var at = DateTimeOffset.UtcNow;
        await Forge(ledger, bob, new TransferCredited(FollowUp(bob, "forged"), at, "t-forged", alice, bob, "USD", 50_000));
        await Forge(ledger, alice, new TransferDebited(FollowUp(alice, "lost"), at, "t-lost", alice, bob, "USD", 100));
        await Eventually.Until(async () => await ledger.Postgres.Scalar<long>("select count(*) from events") == 5,
            Deadline, "the forged events are projected");

        var broken = await ledger.Audit();
        output.WriteLine(broken.ToString());
        Assert.False(broken.IsOk());
        var transfers = broken.Check("transfers_complete");
        Assert.Equal(3, transfers.GetProperty("checked").GetInt64());
        Assert.Equal(2, transfers.GetProperty("differences").GetInt64());
        var examples = transfers.GetProperty("examples").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains($"transfer t-forged of {alice} to {bob}, 50000 USD: its credit was decided, but it was never debited", examples);
        Assert.Contains(examples, e => e.StartsWith($"transfer t-lost of {alice} to {bob}, 100 USD: its credit (command ") && e.EndsWith(") was never sent"));
        Assert.True(broken.Check("postings_sum_to_zero").GetProperty("ok").GetBoolean(), "each forged event balances on its own");
        Assert.True(broken.Check("balance_cache_equals_replay").GetProperty("ok").GetBoolean(), "the forged events are projected as they are");
    }

    private static Request FollowUp(string user, string key) => new(Guid.NewGuid(), user, $"forged-{key}", "forged");

    private static async Task Forge(RunningLedger ledger, string user, LedgerEvent @event)
    {
        var codec = new EventCodec(AssetCatalog.Default);
        using var producer = new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(ledger.Kafka.BootstrapServers)).Build();
        await producer.ProduceAsync(new TopicPartition(ledger.Kafka.Options.EventsTopic, UserPartitioner.PartitionOf(user, ledger.Kafka.Options.Partitions)),
            new Message<string, byte[]> { Key = user, Value = codec.Encode(new EventMessage(@event, [])) });
    }

    private static async Task Decided(RunningLedger ledger, string path, object body, string key, HttpStatusCode expected)
    {
        var answer = await ledger.SendUntilDecided(path, body, key, Deadline);
        Assert.True(answer.Status == expected, $"{path} {key}: {answer.Status} {answer.Body}");
    }

    private static async Task Execute(RunningLedger ledger, string sql)
    {
        await using var connection = new NpgsqlConnection(ledger.Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string OnAnotherPartition(RunningLedger ledger, string user) => Enumerable.Range(0, 100).Select(i => $"audit-bob-{i}")
        .First(u => UserPartitioner.PartitionOf(u, ledger.Kafka.Options.Partitions) != UserPartitioner.PartitionOf(user, ledger.Kafka.Options.Partitions));
}
