using Gateway.Silo.Database;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Silo.Database;

public sealed class DatabaseMigratorTests
{
    /// <summary>The query keys Orleans 10.4's ADO.NET clustering and grain storage refuse to start without.</summary>
    private static readonly string[] RequiredQueries =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadAllKey", "MembershipReadRowKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
    ];

    [Fact]
    public async Task Gateways_starting_together_migrate_once_and_register_every_query_orleans_needs()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("mig");
        // As several processes starting on a fresh database: each with its own Marten store.
        var stores = Enumerable.Range(0, 3).Select(_ => DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString))).ToList();
        await Task.WhenAll(stores.Select(store => DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance,
            _ => store.Storage.ApplyAllConfiguredChangesToDatabaseAsync())));
        await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        foreach (var store in stores)
        {
            store.Dispose();
        }

        await using var connection = new NpgsqlConnection(DatabaseMigrator.OrleansConnectionString(connectionString));
        await connection.OpenAsync();
        var keys = new List<string>();
        // Unqualified, exactly as the Orleans providers select it: found through the search path.
        await using (var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }
        Assert.Empty(RequiredQueries.Except(keys));

        await using var applied = new NpgsqlCommand("SELECT count(*) FROM orleans.gateway_migrations", connection);
        Assert.Equal(1L, await applied.ExecuteScalarAsync());
    }
}
