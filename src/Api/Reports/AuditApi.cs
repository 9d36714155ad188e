using System.Globalization;
using Gateway.Api.Admin;
using Gateway.Projections.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/audit</c>: who changed what and when (the <c>audit</c> projection of <c>AdminActionRecorded</c> events),
/// newest first, filtered by actor, action, resource and time. Org admins only.
/// </summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpContext context, AuditQueries audit)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var query = context.Request.Query;
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return new AnthropicErrorResult(400, "cursor: not a cursor this API returned.");
            }
            before = seq;
        }
        DateTimeOffset? from = null, to = null;
        foreach (var name in new[] { "from", "to" })
        {
            if (query[name].FirstOrDefault() is not { Length: > 0 } text)
            {
                continue;
            }
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return new AnthropicErrorResult(400, $"{name}: must be an ISO 8601 date or time.");
            }
            if (name == "from")
            {
                from = at;
            }
            else
            {
                to = at;
            }
        }
        var filter = new AuditFilter(Text(query, "actor"), Text(query, "action"), Text(query, "resource_type"), Text(query, "resource_id"),
            from, to, before, limit);
        var page = await audit.ListAsync(filter, context.RequestAborted);
        return TypedResults.Json(new ListPage<AuditLogRow>(page.Rows, page.NextBefore?.ToString(CultureInfo.InvariantCulture)), AdminJson.Options);
    }

    private static string? Text(IQueryCollection query, string name) => query[name].FirstOrDefault();
}
