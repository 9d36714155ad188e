using Marten;

namespace Gateway.Projections.Audit;

/// <summary>Appends admin actions to the event store, one stream per resource (<c>{type}:{id}</c>).</summary>
public sealed class AuditJournal(IDocumentStore store, TimeProvider clock)
{
    /// <param name="actor">The admin token that acted.</param>
    /// <param name="action">The verb; recorded as <c>{resourceType}.{action}</c>.</param>
    public async Task RecordAsync(string actor, string resourceType, string resourceId, string action, string? details)
    {
        await using var session = store.LightweightSession();
        session.Events.Append($"{resourceType}:{resourceId}",
            new AdminActionRecorded(actor, $"{resourceType}.{action}", resourceType, resourceId, clock.GetUtcNow(), details));
        await session.SaveChangesAsync(CancellationToken.None);
    }
}
