using Npgsql;
using NpgsqlTypes;

namespace Gateway.Projections.Spend;

/// <summary>
/// Spend and chargeback reports, summed from the daily roll-ups (<see cref="SpendProjection"/>): a month's report reads
/// thousands of rows, not millions of requests. Rows come in a stable order and are paged by offset.
/// </summary>
public sealed class SpendQueries(NpgsqlDataSource database)
{
    /// <summary>The group of requests that lack the grouped-by value (no key, no workspace, no such metadata).</summary>
    public const string Unattributed = "unattributed";

    /// <summary>Cost, requests and tokens per group and UTC day or month, oldest period first, the costliest group first within it.</summary>
    /// <param name="visibleWorkspaces">The workspaces the reader may see; null for all of them.</param>
    public async Task<ReportPage<SpendRow>> SpendAsync(SpendGrouping group, SpendInterval interval, DateOnly? from, DateOnly? to,
        IReadOnlyList<string>? visibleWorkspaces, int limit, long offset, CancellationToken cancellationToken)
    {
        var period = interval == SpendInterval.Month ? "month" : "day";
        await using var command = database.CreateCommand($"""
            SELECT coalesce(nullif({group.Sql}, ''), '{Unattributed}'), date_trunc('{period}', day)::date,
                   sum(requests), sum(cost_usd), sum(input_tokens), sum(output_tokens),
                   sum(cache_creation_input_tokens), sum(cache_read_input_tokens)
            FROM {ReadSchema.SpendDaily}
            WHERE ($1::date IS NULL OR day >= $1) AND ($2::date IS NULL OR day <= $2) AND ($3::text[] IS NULL OR workspace = ANY($3))
            GROUP BY 1, 2
            ORDER BY 2, 4 DESC, 1
            LIMIT {limit + 1} OFFSET {offset}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(Workspaces(visibleWorkspaces));
        AddGroupingKey(command, group);
        var rows = new List<SpendRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SpendRow(reader.GetString(0), DateOnly.FromDateTime(reader.GetDateTime(1)), reader.GetInt64(2), reader.GetDecimal(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        return ReportPage<SpendRow>.Of(rows, limit, offset, total: 0m);
    }

    /// <summary>One UTC month's cost per group, the costliest first; the page's total is the whole month's.</summary>
    /// <param name="limit">Rows per page; null for the whole report.</param>
    public async Task<ReportPage<ChargebackRow>> ChargebackAsync(DateOnly month, SpendGrouping group, IReadOnlyList<string>? visibleWorkspaces,
        int? limit, long offset, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT coalesce(nullif({group.Sql}, ''), '{Unattributed}'), sum(requests), sum(cost_usd), sum(sum(cost_usd)) OVER ()
            FROM {ReadSchema.SpendDaily}
            WHERE day >= $1 AND day < $2 AND ($3::text[] IS NULL OR workspace = ANY($3))
            GROUP BY 1
            ORDER BY 3 DESC, 1
            {(limit is { } pageSize ? $"LIMIT {pageSize + 1} OFFSET {offset}" : "")}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = month });
        command.Parameters.Add(new NpgsqlParameter { Value = month.AddMonths(1) });
        command.Parameters.Add(Workspaces(visibleWorkspaces));
        AddGroupingKey(command, group);
        var rows = new List<ChargebackRow>();
        decimal total = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new ChargebackRow(reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(2)));
                total = reader.GetDecimal(3);
            }
        }
        return ReportPage<ChargebackRow>.Of(rows, limit ?? int.MaxValue, offset, total);
    }

    private static NpgsqlParameter Workspaces(IReadOnlyList<string>? visible) => new()
    {
        Value = visible is null ? DBNull.Value : visible.ToArray(),
        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
    };

    private static void AddGroupingKey(NpgsqlCommand command, SpendGrouping group)
    {
        if (group.MetadataKey is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = key });
        }
    }
}

/// <summary>Per day or per calendar month (UTC).</summary>
public enum SpendInterval
{
    Day,
    Month,
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

public sealed record ChargebackRow(string Value, long Requests, decimal CostUsd);

/// <summary>A page of report rows; <see cref="NextOffset"/> is where the next page starts, null on the last one.</summary>
/// <param name="Total">The whole report's total cost (chargeback), whichever page this is.</param>
public sealed record ReportPage<T>(IReadOnlyList<T> Rows, long? NextOffset, decimal Total)
{
    internal static ReportPage<T> Of(List<T> rows, int limit, long offset, decimal total)
    {
        var more = rows.Count > limit;
        return new ReportPage<T>(more ? rows[..limit] : rows, more ? offset + limit : null, total);
    }
}
