using Gateway.Projections.Audit;
using Marten;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Admin;

/// <summary>Appends admin actions to Marten, one stream per resource (<c>{type}:{id}</c>).</summary>
public sealed class AuditLog(IDocumentStore store, TimeProvider clock)
{
    public async Task RecordAsync(HttpContext context, string resourceType, string resourceId, string action, string? details = null)
    {
        var principal = AdminAuth.Principal(context);
        await using var session = store.LightweightSession();
        session.Events.Append($"{resourceType}:{resourceId}",
            new AdminActionRecorded(principal.TokenId, $"{resourceType}.{action}", resourceType, resourceId, clock.GetUtcNow(), details));
        await session.SaveChangesAsync(CancellationToken.None);
    }
}
