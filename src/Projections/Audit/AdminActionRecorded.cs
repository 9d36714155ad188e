namespace Gateway.Projections.Audit;

/// <summary>
/// An admin changed something (event in the resource's stream, e.g. <c>workspace:eng</c>).
/// Secrets never appear here: a created key is recorded by id, provider credentials by field name.
/// </summary>
/// <param name="Actor">The admin token's id (or <c>env</c> for the configured bootstrap token).</param>
/// <param name="Action">e.g. <c>workspace.created</c>, <c>key.revoked</c>.</param>
/// <param name="Workspace">The workspace the resource belongs to; null for an org-wide one (and in events older than the field).</param>
public sealed record AdminActionRecorded(
    string Actor,
    string Action,
    string ResourceType,
    string ResourceId,
    DateTimeOffset At,
    string? Details,
    string? Workspace = null);
