using Gateway.Projections;
using Gateway.Projections.Audit;
using Gateway.Projections.Logs;
using Gateway.Projections.Models;
using Gateway.Projections.Spend;
using Marten;
using Npgsql;

namespace Gateway.Silo.Hosting;

/// <summary>
/// <c>rebuild-projections [name…]</c>: empties read-side tables and replays the event store into them — a new view,
/// a fixed projection, or history re-priced after a price-table change. Refuses while a gateway of the cluster is
/// running, whose daemon would project the same events at the same time.
/// </summary>
public static class ProjectionRebuild
{
    public const string Command = "rebuild-projections";

    public static IReadOnlyList<string> Names { get; } =
        [RequestLogProjection.Name, RequestContentProjection.Name, SpendProjection.Name, AuditProjection.Name];

    /// <summary>Rebuilds the named projections (all when none is named); returns the process exit code.</summary>
    public static async Task<int> RunAsync(string connectionString, IReadOnlyList<string> names, ILogger log, CancellationToken cancellationToken)
    {
        if (names.FirstOrDefault(n => !Names.Contains(n)) is { } unknown)
        {
            log.LogError("Unknown projection '{Name}'; the projections are: {Names}", unknown, string.Join(", ", Names));
            return 2;
        }
        if (await RunningGatewaysAsync(connectionString, cancellationToken) is > 0 and var running)
        {
            log.LogError("{Count} gateway process(es) of this cluster are running; stop them before rebuilding projections", running);
            return 3;
        }
        // The prices in effect now: the shipped table with the admins' changes, as the catalog's newest revision has them.
        ModelCatalog prices;
        await using (var reader = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString)))
        {
            await GatewayHost.MigrateAsync(reader, connectionString, log, cancellationToken);
            prices = await ModelCatalogStream.LoadAsync(reader, cancellationToken);
        }
        log.LogInformation("Re-pricing usage priced with another version than {PriceVersion}", prices.PriceVersion);
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString, prices));
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var name in names.Count == 0 ? Names : names)
        {
            var started = DateTimeOffset.UtcNow;
            // The wait is for the whole replay: hours are possible on a large ledger.
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromDays(1), cancellationToken);
            log.LogInformation("Rebuilt projection {Name} in {Seconds:F1} s", name, (DateTimeOffset.UtcNow - started).TotalSeconds);
        }
        // The replay leaves up to 64 MB per GIN index pending, which every full-text query would scan until the next
        // gateway's flusher merged it. (After a failed rebuild that flusher does it.)
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ReadSchema.FlushGinPendingListsAsync(dataSource, cancellationToken);
        return 0;
    }

    /// <summary>Silos the Orleans membership table lists as active with a heartbeat in the last 30 seconds.</summary>
    private static async Task<long> RunningGatewaysAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleans.cluster_member WHERE status = 3 AND i_am_alive_time > now() - interval '30 seconds'", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}
