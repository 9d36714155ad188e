using System.ComponentModel;
using System.Globalization;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Projections.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/audit</c>: who changed what and when (the <c>audit</c> projection of <c>AdminActionRecorded</c> events),
/// newest first, filtered by actor, action, resource and time. Workspace admins and analysts read the actions on their
/// workspaces' resources only (not org-wide ones: providers, admin tokens, the catalog, org-wide configs).
/// </summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync).WithTags("Audit").WithSummary("List admin actions, newest first")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden).Requires(AdminAccess.WorkspaceRead);
        return admin;
    }

    /// <summary>The audit trail's filters; each left out matches everything.</summary>
    public sealed record AuditFilterQuery(
        [FromQuery(Name = "actor")][property: Description("The acting admin token's id (env for GATEWAY_ADMIN_TOKEN).")] string? Actor,
        [FromQuery(Name = "action")][property: Description("e.g. workspace.created, key.revoked.")] string? Action,
        [FromQuery(Name = "resource_type")] string? ResourceType,
        [FromQuery(Name = "resource_id")] string? ResourceId,
        [FromQuery(Name = "from")][property: Description("ISO 8601 date or time (UTC unless it says otherwise).")] string? From,
        [FromQuery(Name = "to")][property: Description("ISO 8601 date or time (UTC unless it says otherwise).")] string? To);

    private static async Task<Results<Ok<ListPage<AuditLogRow>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging,
        [AsParameters] AuditFilterQuery query, HttpContext context, AuditQueries audit)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return new AnthropicErrorResult(400, "cursor: not a cursor this API returned.");
            }
            before = seq;
        }
        if (!LogFilterQuery.TryReadTime(query.From, "from", out var from, out var problem) || !LogFilterQuery.TryReadTime(query.To, "to", out var to, out problem))
        {
            return new AnthropicErrorResult(400, problem!);
        }
        var filter = new AuditFilter(query.Actor, query.Action, query.ResourceType, query.ResourceId, from, to, before, limit,
            AdminPolicy.ReadableWorkspaces(AdminAuth.Principal(context)));
        var page = await audit.ListAsync(filter, context.RequestAborted);
        return TypedResults.Ok(new ListPage<AuditLogRow>(page.Rows, page.NextBefore?.ToString(CultureInfo.InvariantCulture)));
    }
}
