using Confluent.Kafka;
using Ledger.Api.Access;
using Ledger.Api.Audit;
using Ledger.Api.Commands;
using Ledger.Api.Dashboard;
using Ledger.Api.Edge;
using Ledger.Api.Observability;
using Ledger.Api.ReadModel;
using Ledger.Api.Writer;
using Ledger.Api.Writer.Snapshots;
using Ledger.Domain.Assets;
using Ledger.Domain.Markets;
using Ledger.Hosting;
using Ledger.Kafka;
using Ledger.Contracts;
using Ledger.Observability;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ledger.Api.Hosting;

/// <summary>Everything Ledger.Api registers, with its options validated before anything starts.</summary>
public static class ApiServices
{
    public static WebApplicationBuilder AddLedgerApi(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;

        var kafka = StartupOptions.Bind<KafkaOptions>(configuration, KafkaOptions.Section, o => o.Errors());
        var writer = StartupOptions.Bind<WriterOptions>(configuration, WriterOptions.Section, o => o.Errors());
        var readModel = StartupOptions.Bind<ReadModelOptions>(configuration, ReadModelOptions.Section, o => o.Errors());
        var commands = StartupOptions.Bind<CommandOptions>(configuration, CommandOptions.Section, o => o.Errors());
        var tokens = StartupOptions.Bind<TokenOptions>(configuration, TokenOptions.Section, o => o.Errors());
        var rateLimits = StartupOptions.Bind<CommandRateLimits>(configuration, CommandRateLimits.Section, o => o.Errors());
        var (assets, markets) = Catalogs.From(configuration);
        kafka.UseClientProperties();
        var bootstrap = new BootstrapServers(kafka.ResolveBootstrapServers());

        services.AddSingleton(kafka).AddSingleton(writer).AddSingleton(readModel).AddSingleton(Options.Create(commands));
        services.AddSingleton(assets).AddSingleton(markets).AddSingleton(bootstrap).AddSingleton(TimeProvider.System);
        services.AddSingleton<TopicWatermarks>();
        services.AddSingleton(new CommandCodec(assets, markets)).AddSingleton(new EventCodec(assets, markets));
        services.AddSingleton(provider => new ReplyCodec(provider.GetRequiredService<EventCodec>()));
        services.AddSingleton(_ => new ProducerBuilder<string, byte[]>(KafkaClients.CommandProducer(bootstrap.Value)).Build());
        services.AddSingleton<LocalWriters>();
        services.AddSingleton<CommandOutcomes>().AddHostedService(provider => provider.GetRequiredService<CommandOutcomes>());
        services.AddSingleton<CommandSubmission>().AddSingleton<CommandAnswers>().AddSingleton<CommandAdmission>();
        services.AddSingleton<WriterLag>().AddHostedService(provider => provider.GetRequiredService<WriterLag>());
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(readModel.ConnectionString)
        {
            ConnectionStringBuilder = { CommandTimeout = (int)readModel.QueryTimeout.TotalSeconds },
        }.Build());

        services.AddSingleton<ProjectedPositions>();
        services.AddSingleton<WriterReadiness>();
        services.AddLedgerMetrics().AddLedgerTracing(configuration, TracingSetup.ApiService);
        services.AddSingleton<ApiMetrics>().AddDashboard();
        services.AddSingleton<HighWatermarks>();
        services.AddAudit(configuration);
        services.AddSingleton<WriterInbox>();
        if (writer.Enabled) AddWriters(services, writer, kafka, bootstrap, commands);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = commands.RequestBodyBytesMax;
            RequestHeadersLimit.ApplyTo(kestrel, commands);
        });
        builder.AddManagementPort();
        services.AddProblemDetails();
        services.AddLedgerEdge();
        services.AddLedgerAccess(tokens);
        rateLimits.AddTo(services);
        return builder;
    }

    private static void AddWriters(IServiceCollection services, WriterOptions writer, KafkaOptions kafka, BootstrapServers bootstrap,
        CommandOptions commands)
    {
        if (writer.InstanceId.Length == 0) writer.InstanceId = Guid.NewGuid().ToString("N");
        services.AddSingleton<WriterMetrics>();
        services.AddSingleton(provider => new ConsumerLag(provider.GetRequiredService<Prometheus.IMetricFactory>(),
            "ledger_writer_consumer_lag", "Commands on ledger.commands not yet decided, per partition", provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider => new WriterContext(writer, kafka, bootstrap.Value,
            provider.GetRequiredService<CommandCodec>(), provider.GetRequiredService<EventCodec>(),
            provider.GetRequiredService<ReplyCodec>(), provider.GetRequiredService<MarketCatalog>(), provider.GetRequiredService<WriterMetrics>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("Ledger.Writer"),
            string.IsNullOrEmpty(writer.SnapshotDirectory)
                ? null
                : new SnapshotStore(writer.SnapshotDirectory, kafka, writer.IdempotencyWindow,
                    provider.GetRequiredService<AssetCatalog>(), provider.GetRequiredService<MarketCatalog>()),
            HandOff: commands.DecideInProcess));
        services.AddHostedService<WriterGroupMember>();
    }
}
