using Ledger.Domain.Assets;
using Ledger.Kafka;
using Ledger.Kafka.Contracts;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.Projector.Hosting;

/// <summary>Everything Ledger.Projector registers, with its options validated before anything starts.</summary>
public static class ProjectorServices
{
    public static WebApplicationBuilder AddLedgerProjector(this WebApplicationBuilder builder)
    {
        KafkaNativeLibrary.Use();
        var configuration = builder.Configuration;
        var services = builder.Services;

        var kafka = Bind<KafkaOptions>(configuration, KafkaOptions.Section, o => o.Errors());
        var postgres = Bind<PostgresOptions>(configuration, PostgresOptions.Section, o => o.Errors());
        var projector = Bind<ProjectorOptions>(configuration, ProjectorOptions.Section, o => o.Errors());
        var assets = new AssetCatalog(configuration.GetSection("Assets").Get<List<Asset>>() ?? [.. AssetCatalog.Defaults]);

        services.AddSingleton(kafka).AddSingleton(projector).AddSingleton(assets);
        services.AddSingleton(new BootstrapServers(kafka.ResolveBootstrapServers()));
        services.AddSingleton(new EventCodec(assets));
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgres.ConnectionString));
        services.AddSingleton<ProjectorMetrics>().AddSingleton<ProjectorReadiness>();
        services.AddHostedService<ProjectorGroupMember>();
        return builder;
    }

    private static T Bind<T>(IConfiguration configuration, string section, Func<T, IReadOnlyList<string>> errors)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var problems = errors(options);
        if (problems.Count > 0) throw new InvalidOperationException($"Configuration is not valid: {string.Join("; ", problems)}");
        return options;
    }
}
