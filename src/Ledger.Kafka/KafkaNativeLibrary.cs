using System.Reflection;
using System.Runtime.InteropServices;

namespace Ledger.Kafka;

/// <summary>
/// Points Confluent.Kafka at the operating system's librdkafka (Debian's librdkafka1).
/// The NuGet redistributable is a placeholder (packages/local), and Confluent.Kafka's own
/// Library.Load wants libdl.so, which Debian does not ship; a DllImport resolver does not.
/// Every process and test calls <see cref="Use"/> before it builds its first client.
/// </summary>
public static class KafkaNativeLibrary
{
    public const string SystemLibraryName = "librdkafka.so.1";
    private static int _installed;

    public static void Use()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName.StartsWith("librdkafka", StringComparison.Ordinal)
            ? NativeLibrary.Load(SystemLibraryName)
            : IntPtr.Zero;
}
