using JasperFx.Events;
using Marten;

namespace Gateway.Projections.Audit;

/// <summary>Appends admin actions to the event store, one stream per resource (<c>{type}:{id}</c>).</summary>
public sealed class AuditJournal(IDocumentStore store, TimeProvider clock)
{
    // Two admins changing one resource at once append to its stream at the same version: the later append is
    // refused by the stream's version check and simply goes again (the stream is only ever appended to).
    private const int Attempts = 5;

    /// <param name="actor">The admin token that acted.</param>
    /// <param name="action">The verb; recorded as <c>{resourceType}.{action}</c>.</param>
    /// <param name="workspace">The resource's workspace (null: org-wide), whose admins and analysts may read the entry.</param>
    public async Task RecordAsync(string actor, string resourceType, string resourceId, string action, string? details, string? workspace = null)
    {
        var recorded = new AdminActionRecorded(actor, $"{resourceType}.{action}", resourceType, resourceId, clock.GetUtcNow(), details, workspace);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.LightweightSession();
                session.Events.Append($"{resourceType}:{resourceId}", recorded);
                await session.SaveChangesAsync(CancellationToken.None);
                return;
            }
            catch (EventStreamUnexpectedMaxEventIdException) when (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt));
            }
        }
    }
}
