using Ledger.Api.ReadModel;
using Xunit;

namespace Ledger.Tests.Projection;

/// <summary>The lag in events counts no commit marker: a projector that read everything is 0 behind.</summary>
public sealed class ProjectionLagTests
{
    [Theory]
    [InlineData(10, 9L, 0)]   // the last transaction's marker at offset 9 is all that is left
    [InlineData(9, 9L, 0)]    // a partition without markers (no transaction since)
    [InlineData(13, 9L, 3)]   // marker at 9, events at 10 and 11, their marker at 12: at most 3
    [InlineData(4, null, 4)]  // never projected: every offset may hold an event
    [InlineData(0, null, 0)]
    public void the_lag_leaves_out_the_marker_after_the_last_projected_event(long highWatermark, long? next, long expected) =>
        Assert.Equal(expected, ProjectionLagApi.EventsBehind(highWatermark, next));
}
