using Gateway.Api.Admin;
using Gateway.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Gateway.Api.Logs;

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

    private static async Task<IResult> ListAsync(HttpContext context, NpgsqlDataSource database)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var query = LogQuery.TryRead(context.Request.Query, AdminAuth.Principal(context), limit, cursor, out var message);
        if (query is null)
        {
            return new AnthropicErrorResult(400, "invalid_request_error", message!);
        }
        await using var command = query.ToCommand(database);
        var rows = await LogRows.ReadAsync(command, context.RequestAborted);
        var hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return TypedResults.Json(new ListPage<LogRow>(rows, hasMore ? LogQuery.EncodeCursor(rows[^1]) : null), AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string requestId, HttpContext context, NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand($"SELECT {LogRows.Columns} FROM {ReadSchema.RequestLog} WHERE request_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        var rows = await LogRows.ReadAsync(command, context.RequestAborted);
        // Another workspace's request is answered like a missing one: its existence is not this admin's to know.
        return rows is [var row] && AdminAuth.Principal(context).Sees(row.Workspace)
            ? TypedResults.Json(row, AdminJson.Options)
            : new AnthropicErrorResult(404, "not_found_error", $"No logged request '{requestId}' (logs appear within seconds of the request).");
    }
}
