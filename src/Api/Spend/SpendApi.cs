using System.Globalization;
using Gateway.Api.Admin;
using Gateway.Grains.Admin;
using Gateway.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Gateway.Api.Spend;

/// <summary>
/// <c>/admin/v1/spend</c>: cost, requests and tokens grouped by key, workspace, model, provider or a metadata key,
/// per UTC day or month, summed from the daily roll-ups (the <c>spend</c> projection).
/// </summary>
public static class SpendApi
{
    /// <summary>The group of requests that lack the grouped-by value (no key, no workspace, no such metadata).</summary>
    public const string Unattributed = "unattributed";

    public static RouteGroupBuilder MapSpendApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/spend", GetAsync).WithMetadata(WorkspaceReports.Instance);
        return admin;
    }

    public sealed record SpendRow(
        string Group,
        DateOnly PeriodStart,
        long Requests,
        decimal CostUsd,
        long InputTokens,
        long OutputTokens,
        long CacheCreationInputTokens,
        long CacheReadInputTokens);

    private static async Task<IResult> GetAsync(HttpContext context, NpgsqlDataSource database)
    {
        var query = context.Request.Query;
        if (!SpendDimension.TryRead(query["group_by"].FirstOrDefault() ?? "workspace", "group_by", out var group, out var error))
        {
            return Invalid(error!);
        }
        var interval = query["interval"].FirstOrDefault() ?? "day";
        if (interval is not ("day" or "month"))
        {
            return Invalid("interval: must be day or month.");
        }
        if (!TryReadDay(query, "from", out var from, out error) || !TryReadDay(query, "to", out var to, out error))
        {
            return Invalid(error!);
        }
        if (!ReportPaging.TryRead(query, out var limit, out var offset, out error))
        {
            return Invalid(error!);
        }
        var principal = AdminAuth.Principal(context);
        await using var command = database.CreateCommand($"""
            SELECT coalesce(nullif({group!.Sql}, ''), '{Unattributed}'), date_trunc('{interval}', day)::date,
                   sum(requests), sum(cost_usd), sum(input_tokens), sum(output_tokens),
                   sum(cache_creation_input_tokens), sum(cache_read_input_tokens)
            FROM {ReadSchema.SpendDaily}
            WHERE ($1::date IS NULL OR day >= $1) AND ($2::date IS NULL OR day <= $2) AND ($3::text[] IS NULL OR workspace = ANY($3))
            GROUP BY 1, 2
            ORDER BY 2, 4 DESC, 1
            LIMIT {limit + 1} OFFSET {offset}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
        command.Parameters.Add(VisibleWorkspaces(principal));
        if (group.Parameter is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key });
        }
        var rows = new List<SpendRow>();
        await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
        while (await reader.ReadAsync(context.RequestAborted))
        {
            rows.Add(new SpendRow(reader.GetString(0), DateOnly.FromDateTime(reader.GetDateTime(1)), reader.GetInt64(2), reader.GetDecimal(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        var more = rows.Count > limit;
        return TypedResults.Json(new ListPage<SpendRow>(more ? rows[..limit] : rows, more ? ReportPaging.Next(offset, limit) : null), AdminJson.Options);
    }

    /// <summary>The workspaces an admin's reports cover: null (all) for an org admin.</summary>
    internal static NpgsqlParameter VisibleWorkspaces(AdminPrincipal principal) => new()
    {
        Value = principal.IsOrgAdmin ? DBNull.Value : principal.Workspaces.ToArray(),
        NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
    };

    internal static AnthropicErrorResult Invalid(string message) => new(400, "invalid_request_error", message);

    private static bool TryReadDay(IQueryCollection query, string name, out DateOnly? day, out string? error)
    {
        day = null;
        error = null;
        if (query[name].FirstOrDefault() is not { Length: > 0 } text)
        {
            return true;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            day = parsed;
            return true;
        }
        error = $"{name}: must be a UTC date, YYYY-MM-DD (both ends are included).";
        return false;
    }
}
