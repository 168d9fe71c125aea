namespace Ledger.Contracts;

/// <summary>A record that cannot be decoded into a command or event. It says why.</summary>
public sealed class MalformedMessage(string reason, Exception? inner = null) : Exception(reason, inner);
