using Gateway.Projections.Spend;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Projections.Outcomes;

/// <summary>
/// Requests by status and outcome per UTC hour or day, summed from the hourly roll-ups (<see cref="OutcomeRollup"/>): the
/// range is bounded by the caller and read through the table's key, whatever the size of the request log.
/// </summary>
public sealed class OutcomeQueries(NpgsqlDataSource database)
{
    /// <summary>Counts per period, workspace, status and outcome, oldest period first.</summary>
    /// <param name="from">Start, included (rounded down to its hour).</param>
    /// <param name="to">End, excluded.</param>
    /// <param name="visibleWorkspaces">The workspaces the reader may see; null for all of them.</param>
    public async Task<ReportPage<OutcomeRow>> OutcomesAsync(OutcomeInterval interval, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<string>? visibleWorkspaces, int limit, long offset, CancellationToken cancellationToken)
    {
        var period = interval == OutcomeInterval.Day ? "day" : "hour";
        await using var command = database.CreateCommand($"""
            SELECT date_trunc('{period}', hour, 'UTC'), coalesce(nullif(workspace, ''), '{SpendQueries.Unattributed}'), status, outcome, sum(requests)
            FROM {ReadSchema.OutcomesHourly}
            WHERE hour >= date_trunc('hour', $1) AND hour < $2 AND ($3::text[] IS NULL OR workspace = ANY($3))
            GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 3, 4
            LIMIT {limit + 1} OFFSET {offset}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = visibleWorkspaces is null ? DBNull.Value : visibleWorkspaces.ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        var rows = new List<OutcomeRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutcomeRow(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                reader.GetInt64(4)));
        }
        return ReportPage<OutcomeRow>.Of(rows, limit, offset, total: 0m);
    }
}

/// <summary>Per UTC hour or day.</summary>
public enum OutcomeInterval
{
    Hour,
    Day,
}

/// <summary>How many requests of a workspace ended with a status and outcome in a period.</summary>
/// <param name="Workspace">The workspace, or <c>unattributed</c> for requests refused before one was known.</param>
/// <param name="Outcome"><c>completed</c>, <c>refused</c>, <c>provider_error</c>, <c>provider_failed</c>, <c>provider_timeout</c> or <c>client_disconnected</c>.</param>
public sealed record OutcomeRow(DateTimeOffset PeriodStart, string Workspace, int Status, string Outcome, long Requests);
