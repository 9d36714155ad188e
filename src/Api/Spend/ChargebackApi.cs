using System.Globalization;
using CsvHelper;
using Gateway.Api.Admin;
using Gateway.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Gateway.Api.Spend;

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

    public sealed record ChargebackRow(string Value, long Requests, decimal CostUsd);

    /// <param name="TotalUsd">The whole month's total, whichever page this is.</param>
    public sealed record ChargebackReport(string Month, string Dimension, IReadOnlyList<ChargebackRow> Rows, decimal TotalUsd, string? NextCursor = null);

    private static async Task<IResult> GetAsync(HttpContext context, NpgsqlDataSource database)
    {
        var query = context.Request.Query;
        if (!DateOnly.TryParseExact(query["month"].FirstOrDefault(), "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            || month.Year >= 9999)
        {
            return SpendApi.Invalid("month: required, YYYY-MM (UTC).");
        }
        var dimensionText = query["dimension"].FirstOrDefault() ?? "workspace";
        if (!SpendDimension.TryRead(dimensionText, "dimension", out var dimension, out var error, metadataOnly: true))
        {
            return SpendApi.Invalid(error!);
        }
        var format = query["format"].FirstOrDefault() ?? "json";
        if (format is not ("json" or "csv"))
        {
            return SpendApi.Invalid("format: must be json or csv.");
        }

        // JSON answers page by page (the month's total on each); the CSV download is the whole report.
        var limit = int.MaxValue;
        long offset = 0;
        if (format == "json" && !ReportPaging.TryRead(query, out limit, out offset, out error))
        {
            return SpendApi.Invalid(error!);
        }
        await using var command = database.CreateCommand($"""
            SELECT coalesce(nullif({dimension!.Sql}, ''), '{SpendApi.Unattributed}'), sum(requests), sum(cost_usd), sum(sum(cost_usd)) OVER ()
            FROM {ReadSchema.SpendDaily}
            WHERE day >= $1 AND day < $2 AND ($3::text[] IS NULL OR workspace = ANY($3))
            GROUP BY 1
            ORDER BY 3 DESC, 1
            {(format == "json" ? $"LIMIT {limit + 1} OFFSET {offset}" : "")}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = month });
        command.Parameters.Add(new NpgsqlParameter { Value = month.AddMonths(1) });
        command.Parameters.Add(SpendApi.VisibleWorkspaces(AdminAuth.Principal(context)));
        if (dimension.Parameter is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key });
        }
        var rows = new List<ChargebackRow>();
        decimal total = 0;
        await using (var reader = await command.ExecuteReaderAsync(context.RequestAborted))
        {
            while (await reader.ReadAsync(context.RequestAborted))
            {
                rows.Add(new ChargebackRow(reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(2)));
                total = reader.GetDecimal(3);
            }
        }
        var more = rows.Count > limit;
        var report = new ChargebackReport(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), dimensionText, more ? rows[..limit] : rows, total,
            more ? ReportPaging.Next(offset, limit) : null);
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
