using Ledger.Tests.Support;
using System.Diagnostics;

namespace Ledger.Tests.Faults;

/// <summary>
/// The soak writer's snapshot directory on a small file system of its own (a tmpfs mounted for the
/// soak, which runs as root, as CI does), so a fault can make it full or read-only without touching
/// anything else on the machine. Unmounted and deleted at the end.
/// </summary>
public sealed class SnapshotDisk : IAsyncDisposable
{
    /// <summary>Room for many snapshots of a soak's partitions (a few KiB each).</summary>
    private const int SizeKib = 4_096;
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(30);
    private readonly string _filler;

    private SnapshotDisk(string directory)
    {
        Directory = directory;
        _filler = Path.Combine(directory, "filler");
    }

    public string Directory { get; }

    public static async Task<SnapshotDisk> Mount()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("ledger-soak-snapshots-").FullName;
        await Run("mount", ["-t", "tmpfs", "-o", $"size={SizeKib}k", "tmpfs", directory]);
        return new SnapshotDisk(directory);
    }

    /// <summary>Fills what is left with one file: every write after it fails with "no space left".</summary>
    public async Task Fill()
    {
        try { await Run("dd", ["if=/dev/zero", $"of={_filler}", "bs=64k"]); }
        catch (InvalidOperationException) { } // dd ends with "No space left on device": what it is for
    }

    public async Task ReadOnly() => await Run("mount", ["-o", "remount,ro", Directory]);

    /// <summary>Writable again, with its room back.</summary>
    public async Task Repair()
    {
        await Run("mount", ["-o", "remount,rw", Directory]);
        File.Delete(_filler);
    }

    /// <summary>Files a failed write left behind (the store writes beside, then renames).</summary>
    public IReadOnlyList<string> LeftOver() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.writing").Select(Path.GetFileName).OfType<string>()];

    public IReadOnlyList<string> Snapshots() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.snapshot").Select(Path.GetFileName).OfType<string>()];

    /// <summary>Deletes every file: a new ledger must not find the snapshots of another log.</summary>
    public void Empty()
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory)) File.Delete(file);
    }

    public async ValueTask DisposeAsync()
    {
        try { await Run("umount", [Directory]); }
        finally { System.IO.Directory.Delete(Directory, recursive: true); }
    }

    private static Task Run(string program, string[] arguments) => MachineCommand.Run(program, arguments, CommandDeadline);
}
