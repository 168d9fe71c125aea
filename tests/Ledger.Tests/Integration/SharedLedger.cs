using Ledger.Tests.Support;
using Xunit;

namespace Ledger.Tests.Integration;

/// <summary>One running Ledger shared by a class of tests that each use their own users.</summary>
public sealed class SharedLedger : IAsyncLifetime
{
    public RunningLedger Ledger { get; private set; } = null!;

    public async Task InitializeAsync() => Ledger = await RunningLedger.Start(partitions: 4, brokers: 1);

    public async Task DisposeAsync() => await Ledger.DisposeAsync();
}
