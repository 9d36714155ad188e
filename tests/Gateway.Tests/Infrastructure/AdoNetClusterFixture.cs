using Gateway.Grains.Providers;
using Gateway.Silo.Database;
using Gateway.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// An Orleans test cluster of two silos using the gateway's own PostgreSQL schema for ADO.NET clustering and
/// grain storage, on a fresh database.
/// </summary>
public sealed class AdoNetClusterFixture : IAsyncLifetime
{
    public const string ClusterId = "grains-test";
    public TestCluster Cluster { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("orl");
        await DatabaseMigrator.MigrateAsync(ConnectionString, NullLogger.Instance);
        var builder = new TestClusterBuilder(2);
        builder.Options.ClusterId = ClusterId;
        builder.Options.ServiceId = "gateway";
        builder.Properties["GatewayConnection"] = DatabaseMigrator.OrleansConnectionString(ConnectionString);
        builder.AddSiloBuilderConfigurator<AdoNetSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
    }

    private sealed class AdoNetSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.UsePostgres(silo.Configuration["GatewayConnection"]!);
            silo.Services.AddSingleton<ICredentialProtector>(new AesGcmCredentialProtector(new byte[32]));
            silo.Services.AddSingleton(TimeProvider.System);
        }
    }
}
