using Gateway.Api.Catalog;
using Gateway.Api.Health;
using Npgsql;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Ready when this silo is an active cluster member, the database answers, the usage ledger can commit (a node that
/// would refuse every request is taken out of a load balancer) and the model catalog is loaded; never while stopping.
/// </summary>
internal sealed class GatewayReadiness(ISiloStatusOracle silo, NpgsqlDataSource database, CurrentCatalog catalog, Gateway.Projections.Ledger.UsageLedger ledger,
    Draining draining) : IReadinessCheck
{
    public async Task<(bool Ready, string Detail)> CheckAsync(CancellationToken cancellationToken)
    {
        if (draining.IsDraining)
        {
            return (false, "draining: the process is stopping");
        }
        if (silo.CurrentStatus != SiloStatus.Active)
        {
            return (false, $"cluster membership: {silo.CurrentStatus}");
        }
        if (!ledger.Available)
        {
            return (false, "usage ledger cannot commit");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return catalog.Loaded is null
                ? (false, "model catalog not loaded yet")
                : (true, "cluster active, database reachable, model catalog loaded");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return (false, "database unreachable");
        }
    }
}
