using System.Diagnostics;

namespace Ledger.Tests.Support;

/// <summary>Runs a program of the machine (mount, chown, pg_ctl...) to its end within a deadline, and
/// throws with its output when it fails. Run from "/", so a tool run as another user can read its directory.</summary>
public static class MachineCommand
{
    public static async Task Run(string program, string[] arguments, TimeSpan deadline)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(deadline);
        await process.WaitForExitAsync(cancel.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
    }
}
