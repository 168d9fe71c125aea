using System.Runtime.CompilerServices;
using System.Text;
using Ledger.Domain.Markets;
using Ledger.Domain.Orders;

namespace Ledger.Api.Writer.Snapshots;

/// <summary>Writes a snapshot's primitives: little-endian integers, length-prefixed UTF-8 strings.</summary>
internal sealed class SnapshotWriter(Stream output)
{
    private readonly BinaryWriter _writer = new(output, Encoding.UTF8, leaveOpen: true);

    /// <summary>Where the next byte goes: to come back to a length written before what it measures.</summary>
    public long Position
    {
        get
        {
            _writer.Flush();
            return output.Position;
        }
    }

    /// <summary>Writes an int at an earlier position and comes back.</summary>
    public void WriteAt(long position, int value)
    {
        var end = Position;
        output.Position = position;
        _writer.Write(value);
        _writer.Flush();
        output.Position = end;
    }

    public void Write(byte value) => _writer.Write(value);
    public void Write(bool value) => _writer.Write(value);
    public void Write(int value) => _writer.Write(value);
    public void Write(long value) => _writer.Write(value);
    public void Write(string value) => _writer.Write(value);
    public void Write(Guid value) => _writer.Write(value.ToByteArray());
    public void Write(ReadOnlySpan<byte> value) => _writer.Write(value);

    public void Write(DateTimeOffset value)
    {
        _writer.Write(value.Ticks);
        _writer.Write((short)value.TotalOffsetMinutes);
    }

    public void Flush() => _writer.Flush();
}

/// <summary>
/// Reads what <see cref="SnapshotWriter"/> wrote, from bytes already checked against their checksum.
/// Strings that repeat across the snapshot (user ids, asset codes, rejection codes) are read once
/// and shared, as a state built from the log would share them only by chance: memory per account
/// matters more than the lookup. Running out of bytes, or a length beyond them, is a refusal. Its
/// methods run once per recovery over millions of items, so they are compiled optimized at once
/// rather than first as quick first-tier code.
/// </summary>
internal sealed class SnapshotReader(ReadOnlyMemory<byte> bytes)
{
    private readonly ReadOnlyMemory<byte> _bytes = bytes;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _shared =
        new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    private int _position;

    public bool AtEnd => _position == _bytes.Length;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte ReadByte() => Take(1)[0];
    public bool ReadBool() => ReadByte() switch { 0 => false, 1 => true, var b => throw new SnapshotRefused($"{b} is not a boolean") };
    public int ReadInt() => BitConverter.ToInt32(Take(4));
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long ReadLong() => BitConverter.ToInt64(Take(8));
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Guid ReadGuid() => new(Take(16));
    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>The next bytes, to be read by another reader (on another thread).</summary>
    public ReadOnlyMemory<byte> ReadSlice(int count)
    {
        Take(count);
        return _bytes.Slice(_position - count, count);
    }

    public int ReadCount()
    {
        var count = ReadInt();
        if (count < 0 || count > _bytes.Length - _position)
            throw new SnapshotRefused($"a count of {count} at byte {_position} is beyond the snapshot");
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DateTimeOffset ReadTime()
    {
        var ticks = ReadLong();
        var offsetMinutes = BitConverter.ToInt16(Take(2));
        try { return new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes)); }
        catch (ArgumentException error) { throw new SnapshotRefused($"a time at byte {_position} is out of range", error); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string ReadString() => Encoding.UTF8.GetString(TakeString());

    /// <summary>A string the snapshot repeats: the same instance each time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string ReadShared()
    {
        var utf8 = TakeString();
        Span<char> chars = stackalloc char[256];
        if (utf8.Length > chars.Length) return Encoding.UTF8.GetString(utf8);
        var text = chars[..Encoding.UTF8.GetChars(utf8, chars)];
        if (_shared.TryGetValue(text, out var known)) return known;
        var added = text.ToString();
        _shared.Dictionary.Add(added, added);
        return added;
    }

    public Market ReadMarket(MarketCatalog markets)
    {
        var symbol = ReadShared();
        return markets.TryGet(symbol, out var market) ? market : throw new SnapshotRefused($"market {symbol} is not configured");
    }

    public Side ReadSide() => ReadByte() is var side && Enum.IsDefined((Side)side)
        ? (Side)side
        : throw new SnapshotRefused($"{side} is not a side");

    public OrderStatus ReadStatus() => ReadByte() is var status && Enum.IsDefined((OrderStatus)status)
        ? (OrderStatus)status
        : throw new SnapshotRefused($"{status} is not an order status");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> TakeString()
    {
        // BinaryWriter's length prefix: 7 bits per byte, lowest first.
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28) throw new SnapshotRefused($"a string length at byte {_position} is malformed");
            var b = ReadByte();
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        return Take(length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _bytes.Length - _position)
            throw new SnapshotRefused($"the snapshot ends at byte {_bytes.Length}, before the {count} bytes wanted at {_position}");
        var span = _bytes.Span.Slice(_position, count);
        _position += count;
        return span;
    }
}
