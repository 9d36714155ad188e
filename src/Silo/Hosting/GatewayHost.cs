using Gateway.Api.Health;
using Gateway.Api.Hosting;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Models;
using Gateway.Grains.Providers;
using Gateway.Projections;
using Gateway.Projections.Audit;
using Gateway.Projections.Budgets;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Gateway.Projections.Models;
using Gateway.Projections.Outcomes;
using Gateway.Projections.Spend;
using Gateway.Projections.Usage;
using Gateway.Silo.Database;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;
using Orleans.Configuration;
using Serilog;
using Serilog.Events;
using Weasel.Core;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Builds and runs one gateway process: an Orleans silo (ADO.NET clustering and grain storage on PostgreSQL)
/// hosting the HTTP front, Marten for events, and — without a connection string — its own PostgreSQL.
/// </summary>
public static class GatewayHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Settings files travel with the binaries; relative paths (GATEWAY_DATA_DIR) stay relative to where it was started.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        using var bootLogger = CreateLogger(builder.Configuration);
        var settings = GatewaySettings.Read(builder.Configuration);
        var log = new Serilog.Extensions.Logging.SerilogLoggerFactory(bootLogger).CreateLogger("Gateway.Silo");

        EmbeddedPostgres? embedded = null;
        try
        {
            var connectionString = settings.ConnectionString;
            if (connectionString is null)
            {
                embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions(settings.DataDirectory), log);
                // A crash that skips the finally below must not leave the server running either.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => embedded.Stop();
                connectionString = embedded.ConnectionString;
            }

            if (args is [ProjectionRebuild.Command, .. var names])
            {
                return await ProjectionRebuild.RunAsync(connectionString, names, log, CancellationToken.None);
            }
            await using var app = await BuildAsync(builder,
                settings with { ConnectionString = connectionString, EmbeddedDatabase = embedded is not null }, log);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            bootLogger.Fatal(e, "The gateway stopped because of an error");
            return 1;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Migrates the database and builds the application (tests call this with their own builder and database).
    /// </summary>
    public static async Task<WebApplication> BuildAsync(WebApplicationBuilder builder, GatewaySettings settings, Microsoft.Extensions.Logging.ILogger log)
    {
        var connectionString = settings.ConnectionString ?? throw new ArgumentException("A connection string is required.", nameof(settings));

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(GatewaySettings.DefaultUrl);
        }
        // Bodies are limited per endpoint (data plane and admin), with Anthropic-shaped 413s.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            // Kestrel's defaults, stated: the README's input limits name them; larger requests get its bare 431/414.
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 100;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        });

        builder.Services.AddSerilog((_, logger) => ConfigureLogger(logger, builder.Configuration));
        builder.Services.AddSingleton<ICredentialProtector>(new AesGcmCredentialProtector(
            CredentialKey.Load(builder.Configuration, settings)));
        builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton(new LedgerDatabase(connectionString));
        builder.Services.AddSingleton<RequestLogQueries>();
        builder.Services.AddSingleton<SpendQueries>();
        builder.Services.AddSingleton<OutcomeQueries>();
        builder.Services.AddSingleton<AuditQueries>();
        builder.Services.AddSingleton<AuditJournal>();
        builder.Services.Configure<BodyLogOptions>(builder.Configuration.GetSection(BodyLogOptions.Section));
        builder.Services.AddSingleton<BodyLogWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BodyLogWriter>());
        builder.Services.AddSingleton<RequestLogRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RequestLogRetention>());
        builder.Services.AddSingleton<IBudgetStore, PostgresBudgetStore>();
        builder.Services.AddSingleton<IModelCatalogJournal, ModelCatalogJournal>();
        builder.Services.AddSingleton<IReadinessCheck, GatewayReadiness>();
        builder.Services.Configure<ShutdownOptions>(builder.Configuration.GetSection(ShutdownOptions.Section));
        builder.Services.AddSingleton<Draining>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Draining>());
        builder.Services.AddHostedService<AdminBootstrap>();
        builder.Services.AddGatewayApi(builder.Configuration);
        builder.Services.AddGatewayTelemetry(builder.Configuration);
        builder.Services.AddOptionsChecks();

        // The read side's projections run in Marten's async daemon; HotCold: one process of the cluster runs them
        // (a PostgreSQL advisory lock elects it among those that may), another takes over when it dies.
        builder.Services.AddMarten(options => ConfigureMarten(options, connectionString))
            .UseLightweightSessions()
            .AddAsyncDaemon(settings.RunsProjections ? DaemonMode.HotCold : DaemonMode.Disabled);
        if (settings.RunsProjections)
        {
            builder.Services.AddHostedService<GinPendingListFlusher>();
        }

        var orleansConnection = DatabaseMigrator.OrleansConnectionString(connectionString);
        var advertised = settings.AdvertisedAddress();
        var siloPort = settings.ResolveSiloPort();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = "gateway";
            });
            // No Orleans client gateway: the HTTP front lives inside every silo.
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort: 0, listenOnAnyHostAddress: !advertised.Equals(System.Net.IPAddress.Loopback));
            silo.UsePostgres(orleansConnection);
            if (TelemetrySetup.TracesOn(builder.Configuration))
            {
                // A grain call's span is a child of the request's, wherever the grain lives.
                silo.AddActivityPropagation();
            }
            // Silos killed without notice (a crashed host, a whole cluster restarted) stop blocking a starting
            // silo once their heartbeat in the table is 15 s old, instead of Orleans' default of minutes.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                o.NumMissedTableIAmAliveLimit = 3;
            });
        });

        var app = builder.Build();
        await MigrateAsync(app.Services.GetRequiredService<IDocumentStore>(), connectionString, log, CancellationToken.None);
        app.UseGatewayApi();
        return app;
    }

    /// <summary>Creates or migrates every schema the gateway uses (Orleans, Marten, ledger, read side), under one lock.</summary>
    public static Task MigrateAsync(IDocumentStore store, string connectionString, Microsoft.Extensions.Logging.ILogger log,
        CancellationToken cancellationToken) =>
        DatabaseMigrator.MigrateAsync(connectionString, log, async ct =>
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await LedgerSchema.ApplyAsync(connectionString, ct);
            await ReadSchema.ApplyAsync(connectionString, ct);
        }, cancellationToken);

    /// <summary>
    /// Orleans' ADO.NET clustering and grain storage on the gateway's PostgreSQL schema (the connection string
    /// from <see cref="DatabaseMigrator.OrleansConnectionString"/>), grain state as System.Text.Json.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, string orleansConnection)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = orleansConnection;
        });
        silo.AddAdoNetGrainStorage(GatewayStorage.Name, o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = orleansConnection;
        });
        return silo.UseSystemTextJsonGrainStorageSerializer();
    }

    /// <summary>Marten's setup: its own schema, string stream ids, snake_case JSON like the API.</summary>
    /// <param name="repriceAt">
    /// For a rebuild: usage priced with another price version is re-priced with this catalog's prices. The live
    /// daemon (null) books what the ledger recorded, so reports match the ledger and the budgets whichever process projects.
    /// </param>
    public static void ConfigureMarten(StoreOptions options, string connectionString, ModelCatalog? repriceAt = null)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = "gateway";
        options.Events.DatabaseSchemaName = "gateway";
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = EventAppendMode.Quick;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.SnakeCase);
        // The ledger's and the read side's indexes on mt_events are outside Marten's model; without this, every
        // start dropped them and built them again over the whole event table (minutes on a large ledger).
        foreach (var index in LedgerSchema.EventIndexes.Append(ReadSchema.ContentExpiryIndex))
        {
            options.Events.IgnoreIndex(index);
        }
        options.Events.AddEventType<AdminActionRecorded>();
        options.Events.AddEventType<UsageRecorded>();
        options.Events.AddEventType<BudgetAlertRaised>();
        options.Events.AddEventType<RequestContentRecorded>();
        options.Events.AddEventType<ModelCatalogRevised>();
        // How often the daemon looks for new events: Marten's defaults (250 ms busy, 1 s quiet) alone kept the read
        // side up to a second behind; one cheap query per poll buys most of it back.
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);

        var repricing = repriceAt is null ? Repricing.AsRecorded : Repricing.With(repriceAt);
        AddReadProjection<UsageRecorded>(options, new RequestLogProjection(repricing), RequestLogProjection.Name, [ReadSchema.RequestLog]);
        AddReadProjection<RequestContentRecorded>(options, new RequestContentProjection(), RequestContentProjection.Name,
            [.. Enumerable.Range(0, ReadSchema.ContentShards).Select(ReadSchema.ContentShard)]);
        AddReadProjection<UsageRecorded>(options, new SpendProjection(repricing), SpendProjection.Name, [ReadSchema.SpendDaily, ReadSchema.OutcomesHourly]);
        AddReadProjection<AdminActionRecorded>(options, new AuditProjection(), AuditProjection.Name, [ReadSchema.AuditLog]);
    }

    /// <summary>
    /// A read-side projection in the async daemon: it is handed only events of <typeparamref name="TEvent"/> (the
    /// daemon filters them in its query, so a shard never loads the others' bodies), in pages of up to 1,000, and a
    /// rebuild empties its table first.
    /// </summary>
    private static void AddReadProjection<TEvent>(StoreOptions options, IProjection projection, string name, string[] tables)
    {
        var source = new ProjectionWrapper<IDocumentOperations, IQuerySession>(projection, ProjectionLifecycle.Async) { Name = name };
        source.IncludeType<TEvent>();
        options.Projections.Add(source, ProjectionLifecycle.Async, o =>
        {
            o.BatchSize = 1_000;
            foreach (var table in tables)
            {
                o.DeleteDataInTableOnTeardown(table);
            }
        });
    }

    private static Serilog.Core.Logger CreateLogger(IConfiguration configuration) =>
        ConfigureLogger(new LoggerConfiguration(), configuration).CreateLogger();

    private static LoggerConfiguration ConfigureLogger(LoggerConfiguration logger, IConfiguration configuration) => logger
        .MinimumLevel.Information()
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
        .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
        .MinimumLevel.Override("Polly", LogEventLevel.Warning)
        .MinimumLevel.Override("Marten", LogEventLevel.Warning)
        .MinimumLevel.Override("JasperFx", LogEventLevel.Warning)
        .ReadFrom.Configuration(configuration)
        .Enrich.FromLogContext()
        // Console writes are slow and serialised; the async sink keeps them off the request path.
        .WriteTo.Async(sink => ConsoleLog.WriteTo(sink, configuration));
}
