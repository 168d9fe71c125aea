namespace Ledger.Hosting;

/// <summary>Binds an options section and refuses to start when it is not valid, naming every problem.
/// Compiled into each host (Ledger.Api, Ledger.Projector) from src/Shared.</summary>
public static class StartupOptions
{
    public static T Bind<T>(IConfiguration configuration, string section, Func<T, IReadOnlyList<string>> errors)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var problems = errors(options);
        if (problems.Count > 0)
            throw new InvalidOperationException($"Configuration is not valid: {string.Join("; ", problems)}");
        return options;
    }

    /// <summary>The configuration a host's command mode (`audit`, `rebuild`) reads: the host's own
    /// appsettings.json beside its assembly, then the environment, as the host itself would.</summary>
    public static IConfiguration ForCommandMode() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
}
