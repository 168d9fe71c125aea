using Xunit;

namespace Ledger.Tests.Observability;

public sealed class DashboardQuantileTests
{
    [Fact]
    public void p99_interpolates_inside_its_bucket() =>
        Assert.Equal(19.8, Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [50, 50, 0], 0.99)!.Value, precision: 6);

    [Fact]
    public void p99_of_the_overflow_bucket_is_the_highest_bound() =>
        Assert.Equal(20, Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [0, 0, 3], 0.99));

    [Fact]
    public void no_observations_have_no_p99() =>
        Assert.Null(Ledger.Api.Dashboard.DashboardHistory.Quantile([10, 20], [0, 0, 0], 0.99));
}
