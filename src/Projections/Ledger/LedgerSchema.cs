using Npgsql;

namespace Gateway.Projections.Ledger;

/// <summary>
/// The ledger's own SQL next to Marten's tables: budget allowances (a durable bound of each scope's outstanding
/// reservations), and the indexes that let a budget grain sum a scope's spend in a period straight from the usage
/// events (no asynchronous projection, no lag); and the repair of stream versions a killed process left lagging
/// (<see cref="StreamVersions"/>).
/// Applied at start, after Marten's schema, idempotently.
/// </summary>
public static class LedgerSchema
{
    public const string Schema = "gateway";

    /// <summary>Marten's name for <see cref="Gateway.Projections.Usage.UsageRecorded"/> events.</summary>
    public const string UsageEventType = "usage_recorded";

    /// <summary>How the usage ledger's streams are named (<c>usage:&lt;id&gt;</c>, one per writer and process start).</summary>
    public const string UsageStreamPrefix = "usage";

    /// <summary>How the request-body log's streams are named.</summary>
    public const string ContentStreamPrefix = "content";

    /// <summary>The ledger's own indexes on Marten's event table (Marten is told to leave them alone).</summary>
    public static readonly string[] EventIndexes = ["mt_events_usage_by_key", "mt_events_usage_by_workspace", "mt_events_usage_by_user"];

    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Schema}.budget_allowances (
                scope        text        PRIMARY KEY,
                period_start timestamptz NOT NULL,
                amount_usd   numeric     NOT NULL,
                expires_at   timestamptz NOT NULL);
            CREATE INDEX IF NOT EXISTS mt_events_usage_by_key ON {Schema}.mt_events
                ((data ->> 'key_id'), ((data ->> 'started_at_ms')::bigint)) WHERE type = '{UsageEventType}';
            CREATE INDEX IF NOT EXISTS mt_events_usage_by_workspace ON {Schema}.mt_events
                ((data ->> 'workspace'), ((data ->> 'started_at_ms')::bigint)) WHERE type = '{UsageEventType}';
            CREATE INDEX IF NOT EXISTS mt_events_usage_by_user ON {Schema}.mt_events
                ((data ->> 'user_id'), ((data ->> 'started_at_ms')::bigint)) WHERE type = '{UsageEventType}';
            """, connection);
        // A first build of an index over a large existing table may take minutes; it runs once, under the migration lock.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await StreamVersions.RepairAsync(connection, [UsageStreamPrefix, ContentStreamPrefix], cancellationToken);
    }
}
