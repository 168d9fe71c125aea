using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Hosting;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Observability;
using Ledger.Projector.Projection;
using Npgsql;

namespace Ledger.Projector.Hosting;

/// <summary>Everything Ledger.Projector registers, with its options validated before anything starts.</summary>
public static class ProjectorServices
{
    public static WebApplicationBuilder AddLedgerProjector(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;

        var kafka = StartupOptions.Bind<KafkaOptions>(configuration, KafkaOptions.Section, o => o.Errors());
        var postgres = StartupOptions.Bind<PostgresOptions>(configuration, PostgresOptions.Section, o => o.Errors());
        var projector = StartupOptions.Bind<ProjectorOptions>(configuration, ProjectorOptions.Section, o => o.Errors());
        var (assets, markets) = Catalogs.From(configuration);

        kafka.UseClientProperties();
        services.AddSingleton(kafka).AddSingleton(projector).AddSingleton(assets);
        services.AddSingleton(new BootstrapServers(kafka.ResolveBootstrapServers()));
        services.AddSingleton(new EventCodec(assets, markets));
        services.AddSingleton(_ => NpgsqlDataSource.Create(postgres.ConnectionString));
        services.AddSingleton<ProjectorMetrics>().AddSingleton<ProjectorReadiness>();
        services.AddLedgerMetrics().AddLedgerTracing(configuration, TracingSetup.ProjectorService);
        services.AddSingleton(provider => new ConsumerLag(provider.GetRequiredService<Prometheus.IMetricFactory>(),
            "ledger_projector_consumer_lag", "Events on ledger.events not yet projected, per partition", TimeProvider.System));
        services.AddHostedService<ProjectorGroupMember>();
        return builder;
    }
}
