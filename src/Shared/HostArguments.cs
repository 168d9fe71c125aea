namespace Ledger.Hosting;

/// <summary>
/// Host settings every Ledger service starts with, ahead of the command line (which can still
/// override them): the content root is the folder of the built program, so its appsettings.json is
/// loaded wherever the process is started from (not the current folder's, which for `./ledger up` is
/// the repository root, holding none); and configuration files are read once, never watched
/// (a watcher over the content root wakes on every write beneath it, logs included).
/// </summary>
public static class HostArguments
{
    public static string[] With(string[] args) =>
        ["--contentRoot", AppContext.BaseDirectory, "--hostBuilder:reloadConfigOnChange", "false", .. args];
}
