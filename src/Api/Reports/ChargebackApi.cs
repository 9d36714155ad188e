using System.ComponentModel;
using System.Globalization;
using CsvHelper;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Projections.Spend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/chargeback</c>: one month's cost per workspace or metadata value (e.g. cost centre), with an
/// <c>unattributed</c> row for requests that lack it; JSON or CSV.
/// </summary>
public static class ChargebackApi
{
    public static RouteGroupBuilder MapChargebackApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/chargeback", GetAsync).Requires(AdminAccess.WorkspaceRead).WithTags("Chargeback")
            .WithSummary("One month's cost per workspace or metadata value, as JSON or CSV")
            .ProducesErrors(StatusCodes.Status400BadRequest)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The same 200 as a CSV download with format=csv (a second Produces for 200 would replace the JSON one).
                operation.Responses?["200"].Content?.Add("text/csv", new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
                return Task.CompletedTask;
            });
        return admin;
    }

    /// <summary>A chargeback report's month, dimension and format (query string, read as text: a bad value is a 400 naming it).</summary>
    public sealed record ChargebackQuery(
        [FromQuery(Name = "month")][property: Description("YYYY-MM (UTC), required.")] string? Month,
        [FromQuery(Name = "dimension")][property: Description("workspace or metadata.<key> (default workspace).")] string? Dimension,
        [FromQuery(Name = "format")][property: Description("json (default) or csv (the whole report, header value,requests,cost_usd).")] string? Format,
        [FromQuery(Name = "limit")][property: Description("JSON rows per page, 1 to 10000 (default 1000).")] string? Limit,
        [FromQuery(Name = "cursor")][property: Description("The next_cursor of the previous page (JSON).")] string? Cursor);

    /// <param name="TotalUsd">The whole month's total, whichever page this is.</param>
    public sealed record ChargebackReport(string Month, string Dimension, IReadOnlyList<ChargebackRow> Rows, decimal TotalUsd, string? NextCursor = null);

    private static async Task<Results<Ok<ChargebackReport>, FileContentHttpResult, AnthropicErrorResult>> GetAsync([AsParameters] ChargebackQuery query,
        HttpContext context, SpendQueries spend)
    {
        if (!DateOnly.TryParseExact(query.Month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            || month.Year >= 9999)
        {
            return SpendApi.Invalid("month: required, YYYY-MM (UTC).");
        }
        var dimensionText = query.Dimension ?? "workspace";
        if (!SpendGrouping.TryRead(dimensionText, "dimension", out var dimension, out var error, metadataOnly: true))
        {
            return SpendApi.Invalid(error!);
        }
        var format = query.Format ?? "json";
        if (format is not ("json" or "csv"))
        {
            return SpendApi.Invalid("format: must be json or csv.");
        }

        // JSON answers page by page (the month's total on each); the CSV download is the whole report.
        int? limit = null;
        long offset = 0;
        if (format == "json")
        {
            if (!ReportPaging.TryRead(query.Limit, query.Cursor, out var pageSize, out offset, out error))
            {
                return SpendApi.Invalid(error!);
            }
            limit = pageSize;
        }
        var page = await spend.ChargebackAsync(month, dimension!, AdminPolicy.ReadableWorkspaces(AdminAuth.Principal(context)), limit, offset,
            context.RequestAborted);
        var report = new ChargebackReport(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), dimensionText, page.Rows, page.Total,
            ReportPaging.Cursor(page.NextOffset));
        return format == "json"
            ? TypedResults.Ok(report)
            : TypedResults.File(ToCsv(report), "text/csv; charset=utf-8", $"chargeback-{report.Month}-{dimensionText}.csv");
    }

    /// <summary>RFC 4180 with CRLF; a value a spreadsheet would run as a formula (metadata is user input) is escaped.</summary>
    private static readonly CsvWriterOptions CsvOptions = new() { Injection = CsvInjection.Escape };

    private static byte[] ToCsv(ChargebackReport report)
    {
        using var bytes = new MemoryStream();
        using (var csv = CsvWriter.Create(bytes, CsvOptions, leaveOpen: true))
        {
            csv.WriteHeader(["value", "requests", "cost_usd"]);
            foreach (var row in report.Rows)
            {
                csv.WriteField(row.Value);
                csv.WriteField(row.Requests, default);
                csv.WriteField(row.CostUsd, default);
                csv.EndRecord();
            }
            csv.Flush();
        }
        return bytes.ToArray();
    }
}
