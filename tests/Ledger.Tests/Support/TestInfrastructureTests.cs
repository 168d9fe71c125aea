using Xunit;

namespace Ledger.Tests.Support;

/// <summary>The switch between the local Kafka and PostgreSQL and Testcontainers. Only the selection
/// runs here: this machine has no Docker engine.</summary>
public sealed class TestInfrastructureTests
{
    [Theory]
    [InlineData(null, Infrastructure.Local)]
    [InlineData("", Infrastructure.Local)]
    [InlineData("local", Infrastructure.Local)]
    [InlineData("containers", Infrastructure.Containers)]
    [InlineData(" Containers ", Infrastructure.Containers)]
    public void the_variable_chooses_the_infrastructure_and_local_is_the_default(string? value, Infrastructure expected) =>
        Assert.Equal(expected, TestInfrastructure.Parse(value));

    [Theory]
    [InlineData("container")]
    [InlineData("docker")]
    [InlineData("testcontainers")]
    public void an_unknown_value_is_refused_naming_it_and_the_choices(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestInfrastructure.Parse(value));
        Assert.Contains($"LEDGER_TEST_INFRASTRUCTURE={value} is not known", error.Message);
        Assert.Contains("local", error.Message);
        Assert.Contains("containers", error.Message);
    }

    [Fact]
    public void containers_need_a_docker_engine_by_docker_host_or_the_default_socket()
    {
        var problem = TestInfrastructure.DockerEngineProblem(dockerHost: null, fileExists: _ => false);
        Assert.NotNull(problem);
        Assert.Contains("needs a Docker engine", problem);
        Assert.Contains("DOCKER_HOST", problem);
        Assert.Null(TestInfrastructure.DockerEngineProblem("tcp://docker:2375", _ => false));
        Assert.Null(TestInfrastructure.DockerEngineProblem(null, path => path == "/var/run/docker.sock"));
    }

    [Fact]
    public void this_run_uses_the_local_kafka_and_postgres_unless_told_otherwise()
    {
        var expected = TestInfrastructure.Parse(Environment.GetEnvironmentVariable(TestInfrastructure.Variable));
        Assert.Equal(expected, TestInfrastructure.Selected);
        if (expected == Infrastructure.Local)
        {
            using var kafka = new TestKafka(brokers: 1, partitions: 1);
            Assert.NotNull(kafka.Cluster); // the mock cluster, in this process
            Assert.Equal("ledger.events", kafka.Options.EventsTopic);
        }
    }
}
