using System.ComponentModel;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Projections.Outcomes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/outcomes</c>: requests per UTC hour or day by workspace, status and outcome — refusals (402, 429),
/// provider errors (5xx, 529) and successes over time — summed from the hourly roll-ups over a bounded range.
/// </summary>
public static class OutcomesApi
{
    /// <summary>The longest range one report covers: the roll-ups it reads grow with it.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(92);

    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(7);

    public static RouteGroupBuilder MapOutcomesApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/outcomes", GetAsync).Requires(AdminAccess.WorkspaceRead).WithTags("Outcomes")
            .WithSummary("Requests per UTC hour or day by workspace, HTTP status and outcome").ProducesErrors(StatusCodes.Status400BadRequest);
        return admin;
    }

    /// <summary>An outcomes report's interval and range (query string, read as text: a bad value is a 400 naming it).</summary>
    public sealed record OutcomesQuery(
        [FromQuery(Name = "interval")][property: Description("hour or day (default hour).")] string? Interval,
        [FromQuery(Name = "from")][property: Description("ISO 8601 date or time, included (default: 7 days before to).")] string? From,
        [FromQuery(Name = "to")][property: Description("ISO 8601 date or time, excluded (default: now); at most 92 days after from.")] string? To,
        [FromQuery(Name = "limit")][property: Description("Rows per page, 1 to 10000 (default 1000).")] string? Limit,
        [FromQuery(Name = "cursor")][property: Description("The next_cursor of the previous page.")] string? Cursor);

    private static async Task<Results<Ok<ListPage<OutcomeRow>>, AnthropicErrorResult>> GetAsync([AsParameters] OutcomesQuery query, HttpContext context,
        OutcomeQueries outcomes, TimeProvider clock)
    {
        OutcomeInterval? interval = (query.Interval ?? "hour") switch
        {
            "hour" => OutcomeInterval.Hour,
            "day" => OutcomeInterval.Day,
            _ => null,
        };
        if (interval is null)
        {
            return SpendApi.Invalid("interval: must be hour or day.");
        }
        if (!LogFilterQuery.TryReadTime(query.From, "from", out var from, out var error) || !LogFilterQuery.TryReadTime(query.To, "to", out var to, out error))
        {
            return SpendApi.Invalid(error!);
        }
        var end = to ?? clock.GetUtcNow();
        var start = from ?? (end - DateTimeOffset.MinValue > DefaultRange ? end - DefaultRange : DateTimeOffset.MinValue);
        if (start >= end)
        {
            return SpendApi.Invalid("from: must be before to.");
        }
        if (end - start > MaxRange)
        {
            return SpendApi.Invalid($"from: the range from from to to is at most {MaxRange.TotalDays:0} days.");
        }
        if (!ReportPaging.TryRead(query.Limit, query.Cursor, out var limit, out var offset, out error))
        {
            return SpendApi.Invalid(error!);
        }
        var page = await outcomes.OutcomesAsync(interval.Value, start, end, AdminPolicy.ReadableWorkspaces(AdminAuth.Principal(context)), limit, offset,
            context.RequestAborted);
        return TypedResults.Ok(new ListPage<OutcomeRow>(page.Rows, ReportPaging.Cursor(page.NextOffset)));
    }
}
