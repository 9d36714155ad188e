using Gateway.Projections.Usage;

namespace Gateway.Projections.Outcomes;

/// <summary>
/// Requests per UTC hour, workspace, status and outcome (<c>outcomes_hourly</c>): refusals, provider errors and
/// successes over time, written with the spend roll-ups (<see cref="Spend.SpendProjection"/>) so a week's chart reads
/// hundreds of rows, not the request log's millions.
/// </summary>
public static class OutcomeRollup
{
    /// <summary>Adds a page's counts to the table (parameters <c>^</c>: hours, workspaces, statuses, outcomes, counts).</summary>
    internal static readonly string Add = $"""
        INSERT INTO {ReadSchema.OutcomesHourly} AS o (hour, workspace, status, outcome, requests)
        SELECT r.hour, r.workspace, r.status, r.outcome, r.requests
        FROM unnest(^::timestamptz[], ^::text[], ^::integer[], ^::text[], ^::bigint[]) AS r(hour, workspace, status, outcome, requests)
        ON CONFLICT (hour, workspace, status, outcome) DO UPDATE SET requests = o.requests + excluded.requests
        """;

    internal const string Ddl = $"""
        CREATE TABLE IF NOT EXISTS {ReadSchema.OutcomesHourly} (
            hour      timestamptz NOT NULL,
            workspace text        NOT NULL,
            status    integer     NOT NULL,
            outcome   text        NOT NULL,
            requests  bigint      NOT NULL,
            PRIMARY KEY (hour, workspace, status, outcome));
        """;

    /// <summary>The counts of a page of usage events, in key order (the order the database locks the rows in).</summary>
    public static IReadOnlyList<OutcomeRollupRow> Sum(IEnumerable<UsageRecorded> usages) =>
        [.. usages
            .GroupBy(u => (Hour: HourOf(u.StartedAt), Workspace: u.Workspace ?? "", u.Status, u.Outcome))
            .Select(g => new OutcomeRollupRow(g.Key.Hour, g.Key.Workspace, g.Key.Status, g.Key.Outcome, g.LongCount()))
            .OrderBy(r => r.Hour).ThenBy(r => r.Workspace, StringComparer.Ordinal).ThenBy(r => r.Status).ThenBy(r => r.Outcome, StringComparer.Ordinal)];

    /// <summary>The parameters of <see cref="Add"/> for <paramref name="rows"/>.</summary>
    internal static object[] Parameters(IReadOnlyList<OutcomeRollupRow> rows) =>
    [
        rows.Select(r => r.Hour).ToArray(),
        rows.Select(r => r.Workspace).ToArray(),
        rows.Select(r => r.Status).ToArray(),
        rows.Select(r => r.Outcome).ToArray(),
        rows.Select(r => r.Requests).ToArray(),
    ];

    private static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}

/// <summary>One <c>outcomes_hourly</c> row's worth of a page of usage events.</summary>
/// <param name="Workspace">The request's workspace, <c>""</c> when it had none (refused before a key was known).</param>
public sealed record OutcomeRollupRow(DateTimeOffset Hour, string Workspace, int Status, string Outcome, long Requests);
