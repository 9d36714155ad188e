using Gateway.Projections.Audit;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Admin;

/// <summary>Records an admin request's change in the audit trail, as done by the request's admin.</summary>
public sealed class AuditLog(AuditJournal journal)
{
    public Task RecordAsync(HttpContext context, string resourceType, string resourceId, string action, string? details = null) =>
        journal.RecordAsync(AdminAuth.Principal(context).TokenId, resourceType, resourceId, action, details);
}
