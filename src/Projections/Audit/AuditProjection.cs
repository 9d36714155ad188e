using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Audit;

/// <summary>One <c>audit_log</c> row per <see cref="AdminActionRecorded"/> event, keyed by the event's sequence number.</summary>
public sealed class AuditProjection : IProjection
{
    public const string Name = "audit";

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Where(e => e.Data is AdminActionRecorded).Select(e => AuditLogRow.From(e.Sequence, (AdminActionRecorded)e.Data)).ToList();
        if (rows.Count > 0)
        {
            operations.QueueSqlCommand('^', AuditLogTable.Table.Insert, AuditLogTable.Table.Parameters(rows));
        }
        return Task.CompletedTask;
    }
}
