using Gateway.Projections.Audit;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Admin;

/// <summary>Records an admin request's change in the audit trail, as done by the request's admin.</summary>
public sealed class AuditLog(AuditJournal journal)
{
    /// <param name="workspace">The workspace the resource belongs to (null: org-wide); its admins and analysts read the entry.</param>
    public Task RecordAsync(HttpContext context, string resourceType, string resourceId, string action, string? details = null, string? workspace = null) =>
        journal.RecordAsync(AdminAuth.Principal(context).TokenId, resourceType, resourceId, action, details, workspace);
}
