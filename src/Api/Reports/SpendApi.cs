using System.ComponentModel;
using System.Globalization;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Projections.Spend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/spend</c>: cost, requests and tokens grouped by key, signed-on user, workspace, model, provider or a metadata key,
/// per UTC day or month, summed from the daily roll-ups (the <c>spend</c> projection).
/// </summary>
public static class SpendApi
{
    public static RouteGroupBuilder MapSpendApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/spend", GetAsync).Requires(AdminAccess.WorkspaceRead).WithTags("Spend")
            .WithSummary("Cost, requests and tokens per group and UTC day or month").ProducesErrors(StatusCodes.Status400BadRequest);
        return admin;
    }

    /// <summary>A spend report's grouping, interval and days (query string, read as text: a bad value is a 400 naming it).</summary>
    public sealed record SpendQuery(
        [FromQuery(Name = "group_by")][property: Description("key, user, workspace, model, provider or metadata.<key> (default workspace).")] string? GroupBy,
        [FromQuery(Name = "interval")][property: Description("day or month (default day).")] string? Interval,
        [FromQuery(Name = "from")][property: Description("First UTC day, YYYY-MM-DD (included).")] string? From,
        [FromQuery(Name = "to")][property: Description("Last UTC day, YYYY-MM-DD (included).")] string? To,
        [FromQuery(Name = "limit")][property: Description("Rows per page, 1 to 10000 (default 1000).")] string? Limit,
        [FromQuery(Name = "cursor")][property: Description("The next_cursor of the previous page.")] string? Cursor);

    private static async Task<Results<Ok<ListPage<SpendRow>>, AnthropicErrorResult>> GetAsync([AsParameters] SpendQuery query, HttpContext context,
        SpendQueries spend)
    {
        if (!SpendGrouping.TryRead(query.GroupBy ?? "workspace", "group_by", out var group, out var error))
        {
            return Invalid(error!);
        }
        var interval = (query.Interval ?? "day") switch
        {
            "day" => SpendInterval.Day,
            "month" => SpendInterval.Month,
            _ => (SpendInterval?)null,
        };
        if (interval is null)
        {
            return Invalid("interval: must be day or month.");
        }
        if (!TryReadDay(query.From, "from", out var from, out error) || !TryReadDay(query.To, "to", out var to, out error))
        {
            return Invalid(error!);
        }
        if (!ReportPaging.TryRead(query.Limit, query.Cursor, out var limit, out var offset, out error))
        {
            return Invalid(error!);
        }
        var page = await spend.SpendAsync(group!, interval.Value, from, to, AdminPolicy.ReadableWorkspaces(AdminAuth.Principal(context)), limit, offset,
            context.RequestAborted);
        return TypedResults.Ok(new ListPage<SpendRow>(page.Rows, ReportPaging.Cursor(page.NextOffset)));
    }

    internal static AnthropicErrorResult Invalid(string message) => new(400, message);

    private static bool TryReadDay(string? text, string name, out DateOnly? day, out string? error)
    {
        day = null;
        error = null;
        if (string.IsNullOrEmpty(text))
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
