using System.Diagnostics;
using System.Reflection;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.MartenBenchmark;

/// <summary>
/// Does Marten's daemon keep every event taking effect exactly once across a crash? The events are
/// appended first; a child process runs the daemon and is killed with SIGKILL once both projections
/// are part way; a second child resumes from the progress the first committed (mt_event_progression
/// is written in the same transaction as the projected documents), and the sums must be exact.
/// </summary>
public static class DaemonCrash
{
    // Small daemon pages, so the kill lands between many committed pages.
    private static readonly MartenDesign Design = new("crash check", Append.Quick, Streams.PerPartition, Runs.Daemon, Runs.Daemon,
        DaemonBatchSize: 100);

    private static readonly TimeSpan KillDeadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ResumeDeadline = TimeSpan.FromMinutes(10);

    public static async Task<string> Run(string admin, IReadOnlyList<ProjectedEvent> stream, IReadOnlyList<LedgerRecorded> recorded, SumsCheck check)
    {
        await using var database = await BenchDatabase.Fresh(admin, ledgerSchema: false);
        await using (var store = Design.Store(database.ConnectionString))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await Design.AppendAll(store, [.. recorded.Chunk(Design.BatchSize)]);
        }
        await MartenDesign.Execute(database.ConnectionString, "analyze mt_events");
        var last = recorded.Count; // a fresh database: sequences 1..N

        using var first = StartChild(database.ConnectionString);
        var deadline = Stopwatch.StartNew();
        (long Balances, long Statistics) progress = (0, 0);
        while (!first.HasExited && deadline.Elapsed < KillDeadline)
        {
            progress = await Progress(database.Source);
            if (Math.Min(progress.Balances, progress.Statistics) >= last / 4) break;
            await Task.Delay(10);
        }
        if (first.HasExited) return $"daemon kill -9 check: NOT SHOWN, the daemon caught up ({last} events) before it could be killed";
        first.Kill(); // SIGKILL on Linux: no shutdown code of the daemon runs
        await first.WaitForExitAsync();
        var atKill = await Progress(database.Source);
        if (Math.Max(atKill.Balances, atKill.Statistics) >= last)
            return $"daemon kill -9 check: NOT SHOWN, a projection had caught up ({atKill}) when the kill landed";

        using var second = StartChild(database.ConnectionString);
        using var resumeTimeout = new CancellationTokenSource(ResumeDeadline);
        await second.WaitForExitAsync(resumeTimeout.Token);
        var resumed = await Progress(database.Source);
        var verdict = await check.Marten(database.Source, Design);
        return $"daemon kill -9 check: the daemon's process (pid {first.Id}) was killed with SIGKILL at balances {atKill.Balances}, " +
            $"statistics {atKill.Statistics} of {last} events; a new process resumed from there and ended at {resumed.Balances}, " +
            $"{resumed.Statistics} (exit code {second.ExitCode}); {verdict}";
    }

    /// <summary>The child: this program with "daemon-child", run by the same host.</summary>
    private static Process StartChild(string connectionString)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = false, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        start.ArgumentList.Add("daemon-child");
        start.ArgumentList.Add(connectionString);
        return Process.Start(start)!;
    }

    public static async Task<int> Child(string connectionString)
    {
        await using var store = Design.Store(connectionString);
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await daemon.WaitForNonStaleData(ResumeDeadline);
        await daemon.StopAllAsync();
        return 0;
    }

    private static async Task<(long Balances, long Statistics)> Progress(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand("select name, last_seq_id from mt_event_progression");
        await using var reader = await command.ExecuteReaderAsync();
        long balances = 0, statistics = 0;
        while (await reader.ReadAsync())
        {
            var name = reader.GetString(0);
            if (name.StartsWith("balances", StringComparison.Ordinal)) balances = reader.GetInt64(1);
            if (name.StartsWith("statistics", StringComparison.Ordinal)) statistics = reader.GetInt64(1);
        }
        return (balances, statistics);
    }
}
