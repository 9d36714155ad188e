using System.Diagnostics;
using Gateway.Projections;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// A history for the console benchmark, written straight into the read side's tables with <c>INSERT … SELECT
/// generate_series</c> (seconds, not the hour a replay of events takes): N logged requests over the last 30 days with
/// their full-text rows, the spend and outcome roll-ups summed from them, and an audit trail of N/10 actions.
/// </summary>
internal static class ConsoleHistory
{
    public const int Workspaces = 20;
    public const int Keys = 400;
    public const string Phrase = "quarterly forecast";

    // 95 % answered; the rest budget refusals, rate limits, overloads and provider failures.
    private static string Requests(int rows) => $"""
        INSERT INTO {ReadSchema.RequestLog} (request_id, created_at, endpoint, workspace, key_id, model, provider, status, outcome, stream,
            cost_usd, price_version, input_tokens, output_tokens, latency_ms, metadata, front, user_id)
        SELECT 'req_' || lpad(i::text, 9, '0'), now() - make_interval(secs => (i::float8 / {rows}) * 30 * 86400),
            '/v1/messages', 'ws-' || lpad((i % {Workspaces})::text, 2, '0'), 'key-' || lpad((i % {Keys})::text, 4, '0'),
            (ARRAY['claude-opus-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-sonnet-5-5'])[1 + i % 4],
            (ARRAY['anthropic', 'bedrock', 'vertex', 'anthropic'])[1 + i % 4],
            s.status, CASE s.status WHEN 200 THEN 'completed' WHEN 402 THEN 'refused' WHEN 429 THEN 'refused' ELSE 'provider_error' END,
            i % 2 = 0, CASE WHEN s.status = 200 THEN (i % 1000) / 100000.0 ELSE 0 END, '2026-12-03',
            CASE WHEN s.status = 200 THEN 500 + i % 3000 ELSE 0 END, CASE WHEN s.status = 200 THEN 50 + i % 700 ELSE 0 END, 300 + i % 5000,
            jsonb_build_object('user', 'user-' || lpad((i % {Keys} * 2 + i % 2)::text, 4, '0'), 'cost_centre', 'cc-' || (i % {Workspaces} % 5)),
            'anthropic', CASE WHEN i % 5 = 0 THEN 'usr_' || lpad((i % 1000)::text, 4, '0') END
        FROM generate_series(1, {rows}) AS i,
            LATERAL (SELECT CASE WHEN i % 100 < 95 THEN 200 WHEN i % 100 < 97 THEN 402 WHEN i % 100 = 97 THEN 429
                WHEN i % 100 = 98 THEN 529 ELSE 500 END AS status) AS s
        """;

    private static string Content(int shard) => $"""
        INSERT INTO {ReadSchema.ContentShard(shard)} (request_id, seq_id, workspace, created_at, redacted, search)
        SELECT request_id, substr(request_id, 5)::bigint, workspace, created_at, false,
            to_tsvector('simple', 'word' || (substr(request_id, 5)::bigint * 7 % 3000) || ' word' || (substr(request_id, 5)::bigint * 13 % 3000)
                || ' topic' || (substr(request_id, 5)::bigint % 50)
                || CASE WHEN substr(request_id, 5)::bigint % 1000 = 0 THEN ' {Phrase}' ELSE ' plain answer' END)
        FROM {ReadSchema.RequestLog} WHERE substr(request_id, 5)::bigint % {ReadSchema.ContentShards} = {shard}
        """;

    private const string Rollups = $"""
        INSERT INTO {ReadSchema.SpendDaily} (day, workspace, key_id, user_id, model, provider, metadata, requests, input_tokens, output_tokens,
            cache_creation_input_tokens, cache_read_input_tokens, cost_usd)
        SELECT (created_at AT TIME ZONE 'UTC')::date, workspace, key_id, coalesce(user_id, ''), model, provider, metadata, count(*),
            sum(input_tokens), sum(output_tokens), 0, 0, sum(cost_usd)
        FROM {ReadSchema.RequestLog} GROUP BY 1, 2, 3, 4, 5, 6, 7;
        INSERT INTO {ReadSchema.OutcomesHourly} (hour, workspace, status, outcome, requests)
        SELECT date_trunc('hour', created_at, 'UTC'), workspace, status, outcome, count(*) FROM {ReadSchema.RequestLog} GROUP BY 1, 2, 3, 4;
        """;

    private static string Audit(int rows) => $"""
        INSERT INTO {ReadSchema.AuditLog} (seq_id, at, actor, action, resource_type, resource_id, details, workspace)
        SELECT i, now() - make_interval(secs => (i::float8 / {rows}) * 30 * 86400), 'env',
            (ARRAY['key.created', 'key.rotated', 'workspace.updated', 'key.revoked'])[1 + i % 4],
            CASE WHEN i % 4 = 2 THEN 'workspace' ELSE 'key' END,
            CASE WHEN i % 4 = 2 THEN 'ws-' || lpad((i % {Workspaces})::text, 2, '0') ELSE 'key-' || lpad((i % {Keys})::text, 4, '0') END,
            NULL, 'ws-' || lpad((i % {Workspaces})::text, 2, '0')
        FROM generate_series(1, {rows}) AS i
        """;

    /// <summary>Fills the tables (unless they already hold <paramref name="rows"/> requests), then vacuums and analyses them.</summary>
    public static async Task LoadAsync(NpgsqlDataSource database, int rows)
    {
        if ((long)(await database.CreateCommand($"SELECT count(*) FROM {ReadSchema.RequestLog}").ExecuteScalarAsync())! >= rows)
        {
            Console.WriteLine("the database already holds that many logged requests: reusing them");
            return;
        }
        foreach (var (name, sql) in new[]
        {
            ("request_log", Requests(rows)),
            ("request_content", string.Join(";\n", Enumerable.Range(0, ReadSchema.ContentShards).Select(Content))),
            ("spend and outcome roll-ups", Rollups),
            ("audit_log", Audit(rows / 10)),
        })
        {
            var clock = Stopwatch.StartNew();
            await using var command = database.CreateCommand(sql);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
            Console.WriteLine($"loaded {name} in {clock.Elapsed.TotalSeconds:F1} s");
        }
        await ReadSchema.FlushGinPendingListsAsync(database, CancellationToken.None);
        await using var vacuum = database.CreateCommand("VACUUM ANALYZE");
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync();
    }
}
