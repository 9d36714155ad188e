using Gateway.Api.Admin;
using Gateway.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        await using var command = database.CreateCommand(
            $"SELECT l.*, (e.data -> 'request')::text, (e.data -> 'response')::text, coalesce(c.redacted, false), c.omitted, c.expires_at, c.request_id IS NULL, " +
            $"(SELECT r.attempts::text FROM {ReadSchema.RequestLog} r WHERE r.request_id = l.request_id) " +
            $"FROM (SELECT {LogRows.Columns} FROM {ReadSchema.RequestLog} WHERE request_id = $1) l " +
            $"LEFT JOIN {ReadSchema.RequestContent} c ON c.request_id = l.request_id " +
            // The bodies stay in their event; the projection only knows where it is.
            $"LEFT JOIN {ReadSchema.Schema}.mt_events e ON e.seq_id = c.seq_id");
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
        // Another workspace's request is answered like a missing one: its existence is not this admin's to know.
        if (!await reader.ReadAsync(context.RequestAborted) || LogRows.Read(reader) is not { } row || !AdminAuth.Principal(context).Sees(row.Workspace))
        {
            return new AnthropicErrorResult(404, "not_found_error", $"No logged request '{requestId}' (logs appear within seconds of the request).");
        }
        var first = LogRows.ColumnCount;
        var noContent = reader.GetBoolean(first + 5);
        // The SPEC's detail is the row plus the bodies and the attempts.
        var detail = JsonSerializer.SerializeToNode(row, AdminJson.Options)!.AsObject();
        detail["request"] = Json(reader, first);
        detail["response"] = Json(reader, first + 1);
        detail["redacted"] = reader.GetBoolean(first + 2);
        detail["bodies_omitted"] = noContent ? null : reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3);
        detail["bodies_expire_at"] = reader.IsDBNull(first + 4) ? null : new DateTimeOffset(reader.GetDateTime(first + 4), TimeSpan.Zero);
        detail["attempts"] = Json(reader, first + 6) is JsonArray { Count: > 0 } attempts
            ? attempts
            // Requests recorded before attempts were: their one try is the row itself.
            : JsonSerializer.SerializeToNode(new[] { new LogAttempt(row.Provider, row.Model, row.Status, row.Outcome, row.ErrorType, row.LatencyMs) }, AdminJson.Options);
        return TypedResults.Json(detail, AdminJson.Options);
    }

    private static JsonNode? Json(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : JsonNode.Parse(reader.GetString(ordinal));
}
