using Ledger.Kafka;
using Xunit;

namespace Ledger.Tests.Kafka;

public sealed class KafkaOptionsTests
{
    [Fact]
    public void options_without_bootstrap_servers_or_with_a_bad_partition_count_are_refused_at_start_up()
    {
        var errors = new KafkaOptions { Partitions = 0 }.Errors();
        Assert.Contains(errors, e => e.Contains("BootstrapServers"));
        Assert.Contains(errors, e => e.Contains("Partitions"));
    }

    [Fact]
    public void two_topics_with_one_name_are_refused()
    {
        var errors = new KafkaOptions { BootstrapServers = "x:9092", RepliesTopic = "ledger.events" }.Errors();
        Assert.Contains(errors, e => e.Contains("must differ"));
    }

    [Fact]
    public void the_bootstrap_file_of_the_local_kafka_is_read_when_no_servers_are_given()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "127.0.0.1:1234\n");
        try
        {
            var options = new KafkaOptions { BootstrapServersFile = file };
            Assert.Empty(options.Errors());
            Assert.Equal("127.0.0.1:1234", options.ResolveBootstrapServers());
        }
        finally { File.Delete(file); }
    }
}
