using System.Text.Json.Serialization;
using Gateway.Projections.Tables;

namespace Gateway.Projections.Audit;

/// <summary>
/// A row of the audit trail: who changed what and when. This record declares the <c>audit_log</c> table
/// (<see cref="AuditLogTable"/>), keyed by the event's sequence number.
/// </summary>
public sealed record AuditLogRow(
    [property: JsonIgnore] long SeqId,
    DateTimeOffset At,
    string Actor,
    string Action,
    string ResourceType,
    string ResourceId,
    string? Details,
    string? Workspace)
{
    public static AuditLogRow From(long sequence, AdminActionRecorded action) =>
        new(sequence, action.At.ToUniversalTime(), action.Actor, action.Action, action.ResourceType, action.ResourceId, action.Details,
            action.Workspace);
}

/// <summary>The <c>audit_log</c> table: its columns are <see cref="AuditLogRow"/>'s.</summary>
public static class AuditLogTable
{
    public static RowTable<AuditLogRow> Table { get; } = new(ReadSchema.AuditLog,
    [
        $"CREATE INDEX IF NOT EXISTS audit_log_newest ON {ReadSchema.AuditLog} (at DESC, seq_id DESC)",
        $"CREATE INDEX IF NOT EXISTS audit_log_by_resource ON {ReadSchema.AuditLog} (resource_type, resource_id, at DESC)",
        // A workspace admin's or analyst's trail, newest first, without reading the organisation's.
        $"CREATE INDEX IF NOT EXISTS audit_log_by_workspace ON {ReadSchema.AuditLog} (workspace, at DESC, seq_id DESC)",
    ]);
}
