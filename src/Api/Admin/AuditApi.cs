using System.Globalization;
using Gateway.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Gateway.Api.Admin;

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

    public sealed record AuditRow(DateTimeOffset At, string Actor, string Action, string ResourceType, string ResourceId, string? Details);

    private static async Task<IResult> ListAsync(HttpContext context, NpgsqlDataSource database)
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
                return new AnthropicErrorResult(400, "invalid_request_error", "cursor: not a cursor this API returned.");
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
                return new AnthropicErrorResult(400, "invalid_request_error", $"{name}: must be an ISO 8601 date or time.");
            }
            if (name == "from") from = at; else to = at;
        }
        await using var command = database.CreateCommand($"""
            SELECT seq_id, at, actor, action, resource_type, resource_id, details FROM {ReadSchema.AuditLog}
            WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
              AND ($3::text IS NULL OR resource_type = $3) AND ($4::text IS NULL OR resource_id = $4)
              AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
              AND ($7::bigint IS NULL OR seq_id < $7)
            ORDER BY seq_id DESC LIMIT {limit + 1}
            """);
        foreach (var name in new[] { "actor", "action", "resource_type", "resource_id" })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query[name].FirstOrDefault() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)from?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)to?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        var rows = new List<(long Seq, AuditRow Row)>();
        await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
        while (await reader.ReadAsync(context.RequestAborted))
        {
            rows.Add((reader.GetInt64(0), new AuditRow(new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6))));
        }
        var hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return TypedResults.Json(new ListPage<AuditRow>([.. rows.Select(r => r.Row)],
            hasMore ? rows[^1].Seq.ToString(CultureInfo.InvariantCulture) : null), AdminJson.Options);
    }
}
