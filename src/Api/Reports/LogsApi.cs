using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Admin;
using Gateway.Projections.Logs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/logs</c>: the request log (the <c>request_log</c> projection of the usage ledger), filtered and paged
/// newest first. Workspace admins and analysts see their workspaces' requests only.
/// </summary>
public static class LogsApi
{
    public static RouteGroupBuilder MapLogsApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/logs").WithMetadata(WorkspaceReports.Instance);
        group.MapGet("/", ListAsync);
        group.MapGet("/{requestId}", GetAsync);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpContext context, RequestLogQueries logs)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var filter = LogFilterQuery.TryRead(context.Request.Query, AdminAuth.Principal(context), limit, cursor, out var message);
        if (filter is null)
        {
            return new AnthropicErrorResult(400, message!);
        }
        var page = await logs.ListAsync(filter, context.RequestAborted);
        return TypedResults.Json(new ListPage<RequestLogRow>(page.Rows, page.NextCursor), AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string requestId, HttpContext context, RequestLogQueries logs)
    {
        // Another workspace's request is answered like a missing one: its existence is not this admin's to know.
        if (await logs.FindAsync(requestId, context.RequestAborted) is not { } found || !AdminAuth.Principal(context).Sees(found.Row.Workspace))
        {
            return new AnthropicErrorResult(404, $"No logged request '{requestId}' (logs appear within seconds of the request).");
        }
        // The SPEC's detail is the row plus the bodies and the attempts.
        var detail = JsonSerializer.SerializeToNode(found.Row, AdminJson.Options)!.AsObject();
        detail["request"] = Json(found.RequestJson);
        detail["response"] = Json(found.ResponseJson);
        detail["redacted"] = found.Redacted;
        detail["bodies_omitted"] = found.BodiesOmitted;
        detail["bodies_expire_at"] = found.BodiesExpireAt;
        detail["attempts"] = JsonSerializer.SerializeToNode(found.Row.AttemptsOrSelf(), AdminJson.Options);
        return TypedResults.Json(detail, AdminJson.Options);
    }

    private static JsonNode? Json(string? text) => text is null ? null : JsonNode.Parse(text);
}
