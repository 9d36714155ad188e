using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Audit;

/// <summary>One <c>audit_log</c> row per <see cref="AdminActionRecorded"/> event, keyed by the event's sequence number.</summary>
public sealed class AuditProjection : IProjection
{
    public const string Name = "audit";

    private static readonly string Insert = $"""
        INSERT INTO {ReadSchema.AuditLog} (seq_id, at, actor, action, resource_type, resource_id, details)
        SELECT * FROM unnest(^::bigint[], ^::timestamptz[], ^::text[], ^::text[], ^::text[], ^::text[], ^::text[])
        ON CONFLICT (seq_id) DO NOTHING
        """;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Where(e => e.Data is AdminActionRecorded).ToList();
        if (rows.Count > 0)
        {
            var actions = rows.Select(e => (AdminActionRecorded)e.Data).ToList();
            operations.QueueSqlCommand('^', Insert,
                rows.Select(e => e.Sequence).ToArray(),
                actions.Select(a => a.At.ToUniversalTime()).ToArray(),
                actions.Select(a => a.Actor).ToArray(),
                actions.Select(a => a.Action).ToArray(),
                actions.Select(a => a.ResourceType).ToArray(),
                actions.Select(a => a.ResourceId).ToArray(),
                actions.Select(a => a.Details).ToArray());
        }
        return Task.CompletedTask;
    }
}
