using Gateway.Api.Admin.Access;
using Gateway.Projections.Ledger;
using Gateway.Projections.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/health</c>: whether the usage ledger takes events on this process and how far each read-side
/// projection (logs, spend, audit) is behind it — what the console's overview shows next to the reports those
/// projections feed. Nothing in it is any workspace's, so every admin may read it.
/// </summary>
public static class GatewayHealthApi
{
    public static RouteGroupBuilder MapGatewayHealthApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/health", GetAsync).Requires(AdminAccess.AnyAdmin).WithTags("Health")
            .WithSummary("The usage ledger's state and each projection's lag behind it");
        return admin;
    }

    /// <summary>The ledger's and the projections' state, as this gateway process sees them.</summary>
    /// <param name="LedgerAvailable">Whether this process's ledger commits usage events now (false: it refuses requests with 503).</param>
    /// <param name="ProjectionsReadable">Whether the projections' progress could be read from the database.</param>
    /// <param name="Projections">Each projection's backlog and lag; empty when unreadable.</param>
    public sealed record GatewayHealth(bool LedgerAvailable, bool ProjectionsReadable, IReadOnlyList<ProjectionBehind> Projections);

    private static async Task<Ok<GatewayHealth>> GetAsync(HttpContext context, UsageLedger ledger, ProjectionProgress progress)
    {
        var projections = await progress.TryReadAsync(context.RequestAborted);
        return TypedResults.Ok(new GatewayHealth(ledger.Available, projections is not null, projections ?? []));
    }
}
