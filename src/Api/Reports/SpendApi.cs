using System.Globalization;
using Gateway.Api.Admin;
using Gateway.Grains.Admin;
using Gateway.Projections.Spend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/spend</c>: cost, requests and tokens grouped by key, workspace, model, provider or a metadata key,
/// per UTC day or month, summed from the daily roll-ups (the <c>spend</c> projection).
/// </summary>
public static class SpendApi
{
    public static RouteGroupBuilder MapSpendApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/spend", GetAsync).WithMetadata(WorkspaceReports.Instance);
        return admin;
    }

    private static async Task<IResult> GetAsync(HttpContext context, SpendQueries spend)
    {
        var query = context.Request.Query;
        if (!SpendGrouping.TryRead(query["group_by"].FirstOrDefault() ?? "workspace", "group_by", out var group, out var error))
        {
            return Invalid(error!);
        }
        var interval = (query["interval"].FirstOrDefault() ?? "day") switch
        {
            "day" => SpendInterval.Day,
            "month" => SpendInterval.Month,
            _ => (SpendInterval?)null,
        };
        if (interval is null)
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
        var page = await spend.SpendAsync(group!, interval.Value, from, to, VisibleWorkspaces(AdminAuth.Principal(context)), limit, offset,
            context.RequestAborted);
        return TypedResults.Json(new ListPage<SpendRow>(page.Rows, ReportPaging.Cursor(page.NextOffset)), AdminJson.Options);
    }

    /// <summary>The workspaces an admin's reports cover: null (all) for an org admin.</summary>
    internal static IReadOnlyList<string>? VisibleWorkspaces(AdminPrincipal principal) => principal.IsOrgAdmin ? null : [.. principal.Workspaces];

    internal static AnthropicErrorResult Invalid(string message) => new(400, message);

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
