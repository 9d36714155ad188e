using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Projections.Logs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/logs</c>: the request log (the <c>request_log</c> projection of the usage ledger), filtered and paged
/// newest first. Workspace admins and analysts see their workspaces' requests only.
/// </summary>
public static class LogsApi
{
    public static RouteGroupBuilder MapLogsApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/logs").Requires(AdminAccess.WorkspaceRead).WithTags("Logs");
        group.MapGet("/", ListAsync).WithSummary("List logged requests, newest first")
            .WithDescription("Also filters by metadata: `metadata.<key>=<value>` (any number). Workspace admins and analysts see their workspaces' requests only.")
            .ProducesErrors(StatusCodes.Status400BadRequest);
        group.MapGet("/{request_id}", GetAsync).WithSummary("Get a logged request: its row, the request and response bodies, and each attempt")
            .ProducesErrors(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>A logged request in full: its row's fields, and the bodies and tries.</summary>
    /// <param name="Request">The request body as received (null when not kept).</param>
    /// <param name="Response">The final message, assembled when streamed (null when not kept).</param>
    /// <param name="BodiesOmitted">Why the bodies are not kept, when they are not.</param>
    public sealed record RequestLogDetail(JsonNode? Request, JsonNode? Response, bool Redacted, string? BodiesOmitted, DateTimeOffset? BodiesExpireAt,
        IReadOnlyList<LogAttempt> Attempts)
    {
        /// <summary>The row's fields, written beside the others (the SPEC's detail is the row plus the bodies and the attempts).</summary>
        [JsonExtensionData]
        [DocumentedAs(typeof(RequestLogRow))]
        public Dictionary<string, JsonElement> Row { get; init; } = [];
    }

    private static async Task<Results<Ok<ListPage<RequestLogRow>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging,
        [AsParameters] LogsQuery filters, HttpContext context, RequestLogQueries logs)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var filter = LogFilterQuery.TryRead(filters, context.Request.Query, AdminAuth.Principal(context), limit, cursor, out var message);
        if (filter is null)
        {
            return new AnthropicErrorResult(400, message!);
        }
        var page = await logs.ListAsync(filter, context.RequestAborted);
        return TypedResults.Ok(new ListPage<RequestLogRow>(page.Rows, page.NextCursor));
    }

    private static async Task<Results<Ok<RequestLogDetail>, AnthropicErrorResult>> GetAsync([FromRoute(Name = "request_id")] string requestId, HttpContext context,
        RequestLogQueries logs, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        // Another workspace's request is answered like a missing one: its existence is not this admin's to know.
        if (await logs.FindAsync(requestId, context.RequestAborted) is not { } found || !AdminPolicy.MayRead(AdminAuth.Principal(context), found.Row.Workspace))
        {
            return new AnthropicErrorResult(404, $"No logged request '{requestId}' (logs appear within seconds of the request).");
        }
        return TypedResults.Ok(new RequestLogDetail(Json(found.RequestJson), Json(found.ResponseJson), found.Redacted, found.BodiesOmitted,
            found.BodiesExpireAt, found.Row.AttemptsOrSelf())
        {
            Row = JsonSerializer.SerializeToElement(found.Row, json.Value.SerializerOptions).EnumerateObject().ToDictionary(p => p.Name, p => p.Value),
        });
    }

    private static JsonNode? Json(string? text) => text is null ? null : JsonNode.Parse(text);
}
