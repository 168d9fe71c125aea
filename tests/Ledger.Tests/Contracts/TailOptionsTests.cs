using Ledger.Tail;
using Xunit;

namespace Ledger.Tests.Contracts;

/// <summary>`ledger tail`'s command line: a time must say its offset, and bad input stops it before it connects.</summary>
public sealed class TailOptionsTests
{
    [Theory]
    [InlineData("2026-11-22T00:00:00Z", "2026-11-22T00:00:00.0000000+00:00")]
    [InlineData("2026-11-22T01:30:00+01:00", "2026-11-22T00:30:00.0000000+00:00")]
    [InlineData("2026-11-22T09:15:02.123Z", "2026-11-22T09:15:02.1230000+00:00")]
    public void from_takes_an_iso_8601_time_with_its_offset(string given, string expectedUtc)
    {
        var options = TailOptions.Parse(["--from", given]);
        Assert.Null(options.Error);
        Assert.Equal(expectedUtc, options.From!.Value.ToUniversalTime().ToString("o"));
    }

    [Theory]
    [InlineData("2026-11-22T00:00:00")] // local time: a different instant on every machine
    [InlineData("2026-11-22")]
    [InlineData("yesterday")]
    public void from_refuses_a_time_without_an_offset(string given) =>
        Assert.Contains("--from", TailOptions.Parse(["--from", given]).Error);

    [Fact]
    public void a_fresh_consumer_group_per_run_unless_one_is_named()
    {
        var first = TailOptions.Parse([]);
        var second = TailOptions.Parse([]);
        Assert.StartsWith(TailOptions.GroupPrefix, first.Group);
        Assert.NotEqual(first.Group, second.Group);
        Assert.False(first.GroupNamed);
        var named = TailOptions.Parse(["--group", "audit-feed"]);
        Assert.Equal(("audit-feed", true), (named.Group, named.GroupNamed));
    }

    [Theory]
    [InlineData("--frm", "2026-11-22T00:00:00Z")]
    [InlineData("--from")]
    public void unknown_or_incomplete_options_are_refused(params string[] args) =>
        Assert.False(string.IsNullOrEmpty(TailOptions.Parse(args).Error));

    [Fact]
    public void without_bootstrap_it_reads_the_local_mode_file_or_says_what_is_missing()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "127.0.0.1:9092\n");
            Assert.Equal("127.0.0.1:9092", TailOptions.Parse(["--bootstrap-file", file]).ResolveBootstrap(out _));
            File.Delete(file);
            Assert.Null(TailOptions.Parse(["--bootstrap-file", file]).ResolveBootstrap(out var problem));
            Assert.Contains("./ledger up", problem);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
