using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Domain.Snapshots;
using Ledger.Kafka;

namespace Ledger.Api.Writer.Snapshots;

/// <summary>
/// The partition writers' snapshots, one file per partition of ledger.events in
/// <see cref="WriterOptions.SnapshotDirectory"/>. A snapshot only saves time: the log stays the truth,
/// and any snapshot that is missing, corrupt, of another format, or taken under another configuration
/// is refused here (and one not of this log is refused by the writer, which reads its last event back),
/// after which the writer replays the whole partition. A file is replaced whole: written beside,
/// flushed to disk, then renamed over the old one, so a crash mid-write leaves the previous snapshot.
/// </summary>
internal sealed class SnapshotStore
{
    private readonly string _directory;
    private readonly string _eventsTopic;
    private readonly TimeSpan _idempotencyWindow;
    private readonly MarketCatalog _markets;

    public SnapshotStore(string directory, KafkaOptions kafka, TimeSpan idempotencyWindow, AssetCatalog assets, MarketCatalog markets)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _eventsTopic = kafka.EventsTopic;
        _idempotencyWindow = idempotencyWindow;
        _markets = markets;
        Catalog = SnapshotFile.CatalogOf(assets, markets);
    }

    /// <summary>The configuration a snapshot must have been taken under.</summary>
    public string Catalog { get; }

    public string PathOf(int partition) => Path.Combine(_directory, $"{_eventsTopic}-{partition}.snapshot");

    /// <summary>The partition's snapshot, or null when there is none. Throws <see cref="SnapshotRefused"/>
    /// when there is one that must not be used.</summary>
    public (SnapshotHeader Header, PartitionImage Image)? Load(int partition)
    {
        var path = PathOf(partition);
        if (!File.Exists(path)) return null;
        var (header, image) = SnapshotFile.Decode(File.ReadAllBytes(path), _markets);
        if (header.EventsTopic != _eventsTopic || header.Partition != partition)
            throw new SnapshotRefused($"it is of {header.EventsTopic}/{header.Partition}, not {_eventsTopic}/{partition}");
        if (header.IdempotencyWindow != _idempotencyWindow)
            throw new SnapshotRefused($"it remembers requests for {header.IdempotencyWindow}, the writer for {_idempotencyWindow}");
        if (header.Catalog != Catalog)
            throw new SnapshotRefused($"it was taken with assets and markets {header.Catalog}, the writer has {Catalog}");
        return (header, image);
    }

    /// <summary>Writes the snapshot and returns its size in bytes.</summary>
    public long Save(SnapshotHeader header, PartitionImage image)
    {
        var bytes = SnapshotFile.Encode(header, image);
        var path = PathOf(header.Partition);
        // Named per writing, so two processes sharing the directory never write one file together.
        var beside = $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.writing";
        try
        {
            using (var file = new FileStream(beside, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(beside, path, overwrite: true);
        }
        finally
        {
            // Gone after the rename; after a failed write (a full disk) it would hold the space it took.
            try { File.Delete(beside); }
            catch (IOException) { } // the write's own error is the one to report
            catch (UnauthorizedAccessException) { }
        }
        return bytes.Length;
    }
}
