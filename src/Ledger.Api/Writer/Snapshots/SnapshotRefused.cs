namespace Ledger.Api.Writer.Snapshots;

/// <summary>A snapshot that must not be used: corrupt, of another format, taken under another
/// configuration, or not of this log. The writer then replays the whole partition instead.</summary>
public sealed class SnapshotRefused(string reason, Exception? inner = null) : Exception(reason, inner);
