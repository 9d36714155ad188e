using System.Globalization;
using CsvHelper;
using Gateway.Api.Admin;
using Gateway.Projections.Spend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Reports;

/// <summary>
/// <c>/admin/v1/chargeback</c>: one month's cost per workspace or metadata value (e.g. cost centre), with an
/// <c>unattributed</c> row for requests that lack it; JSON or CSV.
/// </summary>
public static class ChargebackApi
{
    public static RouteGroupBuilder MapChargebackApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/chargeback", GetAsync).WithMetadata(WorkspaceReports.Instance);
        return admin;
    }

    /// <param name="TotalUsd">The whole month's total, whichever page this is.</param>
    public sealed record ChargebackReport(string Month, string Dimension, IReadOnlyList<ChargebackRow> Rows, decimal TotalUsd, string? NextCursor = null);

    private static async Task<IResult> GetAsync(HttpContext context, SpendQueries spend)
    {
        var query = context.Request.Query;
        if (!DateOnly.TryParseExact(query["month"].FirstOrDefault(), "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            || month.Year >= 9999)
        {
            return SpendApi.Invalid("month: required, YYYY-MM (UTC).");
        }
        var dimensionText = query["dimension"].FirstOrDefault() ?? "workspace";
        if (!SpendGrouping.TryRead(dimensionText, "dimension", out var dimension, out var error, metadataOnly: true))
        {
            return SpendApi.Invalid(error!);
        }
        var format = query["format"].FirstOrDefault() ?? "json";
        if (format is not ("json" or "csv"))
        {
            return SpendApi.Invalid("format: must be json or csv.");
        }

        // JSON answers page by page (the month's total on each); the CSV download is the whole report.
        int? limit = null;
        long offset = 0;
        if (format == "json")
        {
            if (!ReportPaging.TryRead(query, out var pageSize, out offset, out error))
            {
                return SpendApi.Invalid(error!);
            }
            limit = pageSize;
        }
        var page = await spend.ChargebackAsync(month, dimension!, SpendApi.VisibleWorkspaces(AdminAuth.Principal(context)), limit, offset,
            context.RequestAborted);
        var report = new ChargebackReport(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), dimensionText, page.Rows, page.Total,
            ReportPaging.Cursor(page.NextOffset));
        return format == "json" ? TypedResults.Json(report, AdminJson.Options) : TypedResults.File(ToCsv(report), "text/csv; charset=utf-8", $"chargeback-{report.Month}-{dimensionText}.csv");
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
