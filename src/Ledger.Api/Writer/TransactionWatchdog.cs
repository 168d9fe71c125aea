using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Ledger.Api.Writer;

/// <summary>
/// Ends the process when one of the writer's transaction calls into librdkafka runs past
/// <see cref="WriterOptions.TransactionCallStuckAfter"/>. librdkafka's send_offsets_to_transaction can
/// block for good, whatever its timeout, when the group coordinator goes down during the call
/// (confluentinc/librdkafka#5456, open in 2.16; the fault soak's broker bounce ran into it: the writer's
/// thread stayed in that call for minutes after the broker was back). A writer blocked there holds
/// its partitions and decides nothing for them, and nothing short of the process can be restarted:
/// the producer is busy inside the call. The writer keeps nothing that is not in the log, so it
/// leaves its group (so another writer takes its partitions at once rather than after the session
/// timeout) and exits with <see cref="WriterGroupMember.StuckExitCode"/> (75); a supervisor starts it again.
/// A writer cut off from the brokers in the middle of a transaction ends the same way, and since the
/// limit is below the group's session timeout it has ended before the group can give its partitions to
/// another writer: where no broker fences it (librdkafka's mock), its open transaction cannot be
/// committed after another writer has begun deciding those partitions.
/// </summary>
internal sealed class TransactionWatchdog : IDisposable
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>How long leaving the group may take before the process exits anyway.</summary>
    private static readonly TimeSpan LeaveGroupWaitMax = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _limit;
    private readonly ILogger _log;
    private readonly Timer _timer;
    private long _since; // Stopwatch timestamp the current call began at; 0 between calls
    private string _call = "";
    private Action? _leaveGroup;
    private int _fired;
    private readonly Action<int> _exit;

    /// <param name="exit">Ends the process with the code given; tests pass their own.</param>
    public TransactionWatchdog(TimeSpan limit, ILogger log, Action<int>? exit = null)
    {
        _limit = limit;
        _log = log;
        _exit = exit ?? ExitNow;
        _timer = new Timer(_ => Check(), null, CheckEvery, CheckEvery);
    }

    /// <summary>How this member leaves its group before the process exits (the consumer's close).</summary>
    public void LeaveGroupWith(Action? leave) => Volatile.Write(ref _leaveGroup, leave);

    /// <summary>Watches one call: dispose the result when it returns (or throws).</summary>
    public Watch Around(string call)
    {
        _call = call;
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        return new Watch(this);
    }

    public readonly struct Watch(TransactionWatchdog watchdog) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref watchdog._since, 0);
    }

    private void Check()
    {
        var since = Volatile.Read(ref _since);
        if (since == 0 || Stopwatch.GetElapsedTime(since) <= _limit) return;
        if (Interlocked.Exchange(ref _fired, 1) == 1) return;
        var message = $"Writer stopping the process: the Kafka transaction call '{_call}' has not returned after " +
                      $"{Stopwatch.GetElapsedTime(since).TotalSeconds:0.0} s (limit {_limit.TotalSeconds:0.0} s: the brokers unreachable, or librdkafka #5456). " +
                      "Its partitions go to another writer; nothing decided is lost (state is rebuilt from the log).";
        _log.LogCritical("{Message}", message);
        Console.Error.WriteLine(message); // the logger writes on a thread of its own, which the exit below does not wait for
        if (Volatile.Read(ref _leaveGroup) is { } leave)
        {
            var leaving = Task.Run(leave);
            try { leaving.Wait(LeaveGroupWaitMax); }
            catch (AggregateException error) { Console.Error.WriteLine($"Writer: leaving the group failed: {error.InnerException?.Message}"); }
        }
        _exit(WriterGroupMember.StuckExitCode);
    }

    /// <summary>No shutdown: the host would wait for the writer's thread, which is the one stuck.</summary>
    private static void ExitNow(int code)
    {
        if (OperatingSystem.IsLinux()) LibcExit(code);
        Environment.FailFast($"writer transaction call stuck; exit code {code}");
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void LibcExit(int status);

    public void Dispose() => _timer.Dispose();
}
