using Npgsql;

namespace Gateway.Projections;

/// <summary>
/// The read side's tables, next to Marten's in the <c>gateway</c> schema: plain relational tables (real columns,
/// real indexes) because logs are filtered and spend is summed over millions of rows. Their rows are written only by
/// the projections in this project, and a projection rebuild empties and refills them.
/// Applied at start, after Marten's schema, idempotently.
/// </summary>
public static class ReadSchema
{
    public const string Schema = "gateway";
    public const string RequestLog = Schema + ".request_log";
    public const string SpendDaily = Schema + ".spend_daily";
    public const string AuditLog = Schema + ".audit_log";
    public const string OutcomesHourly = Schema + ".outcomes_hourly";
    /// <summary>The full-text index of the request log: a view over its shards' tables (<see cref="ContentShard"/>).</summary>
    public const string RequestContent = Schema + ".request_content";

    /// <summary>The full-text projection writes each page as this many statements at once, each to its own table.</summary>
    public const int ContentShards = 2;

    public static string ContentShard(int shard) => $"{RequestContent}_{shard}";

    /// <summary>The read side's own index on Marten's event table (Marten is told to leave it alone).</summary>
    public const string ContentExpiryIndex = "mt_events_content_expiry";

    /// <summary>Marten's name for <see cref="Logs.RequestContentRecorded"/> events.</summary>
    public const string ContentEventType = "request_content_recorded";

    // The GIN indexes gather new entries in a pending list (up to 64 MB) that GinPendingListFlusher merges into the
    // index every second, off the projections' path. Measured here: a row's entries written straight into a
    // full-text index (fastupdate off) cost ~1.2 ms and 80 KB of WAL (one posting-tree page per word), 1,000 rows
    // a second merged in bulk a fifth of that. The large limit keeps a projection from merging inline: with
    // PostgreSQL's 4 MB default, the insert that crossed it merged the whole list, a stall of seconds.

    /// <summary>Pending-list limit of the read side's GIN indexes, in kB.</summary>
    private const int GinPendingListLimitKb = 65_536;

    /// <summary>The read side's GIN indexes (schema-qualified).</summary>
    public static IReadOnlyList<string> GinIndexes { get; } =
        [.. Enumerable.Range(0, ContentShards).Select(shard => $"{Schema}.request_content_{shard}_search").Append($"{Schema}.request_log_by_metadata")];

    internal static string GinOptions => $"fastupdate = on, gin_pending_list_limit = {GinPendingListLimitKb}";

    /// <summary>An index of an earlier version (no pending list, or the default limit) takes the options above.</summary>
    private static string GinWithLargePendingList(string index) => $"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = '{index}'::regclass
                    AND 'fastupdate=on' = ANY (reloptions) AND 'gin_pending_list_limit={GinPendingListLimitKb}' = ANY (reloptions)) THEN
                ALTER INDEX {index} SET ({GinOptions});
            END IF;
        END $$;
        """;

    /// <summary>
    /// Merges the GIN indexes' pending lists into the indexes, one index per statement (no lock is held on one while
    /// another is merged; a concurrent merge of the same index waits for the other); returns the number of
    /// pending-list pages merged. No timeout: after a rebuild a list may hold 64 MB.
    /// </summary>
    public static async Task<long> FlushGinPendingListsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        long merged = 0;
        foreach (var index in GinIndexes)
        {
            await using var command = dataSource.CreateCommand($"SELECT gin_clean_pending_list('{index}'::regclass)");
            command.CommandTimeout = 0;
            merged += (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        return merged;
    }

    /// <summary>
    /// One table per full-text shard (indexing text is the costliest projection step; two PostgreSQL backends share
    /// it), and the view the queries read. A single table of an earlier version is replaced and refilled from the
    /// events; the two daemon shards of another version hand over to the one projection at the slower one's mark.
    /// </summary>
    private static string ContentTables()
    {
        var progression = $"{Schema}.mt_event_progression";
        var sql = new System.Text.StringBuilder($"""
            DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = '{Schema}' AND tablename = 'request_content') THEN
                    DROP TABLE {RequestContent};
                    DELETE FROM {progression} WHERE name = 'request_content:All';
                END IF;
            END $$;
            INSERT INTO {progression} (name, last_seq_id, last_updated)
                SELECT 'request_content:All', CASE WHEN count(*) = 2 THEN min(last_seq_id) ELSE 0 END, now() FROM {progression}
                WHERE name IN ('request_content_0:All', 'request_content_1:All') HAVING count(*) > 0
                ON CONFLICT (name) DO UPDATE SET last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated;
            DELETE FROM {progression} WHERE name IN ('request_content_0:All', 'request_content_1:All');
            """);
        for (var shard = 0; shard < ContentShards; shard++)
        {
            var table = ContentShard(shard);
            var name = $"request_content_{shard}";
            sql.Append($"""

                CREATE TABLE IF NOT EXISTS {table} (
                    request_id text        PRIMARY KEY,
                    seq_id     bigint      NOT NULL,
                    workspace  text,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz,
                    redacted   boolean     NOT NULL,
                    omitted    text,
                    search     tsvector    NOT NULL);
                CREATE INDEX IF NOT EXISTS {name}_search ON {table} USING gin (search) WITH ({GinOptions});
                {GinWithLargePendingList($"{Schema}.{name}_search")}
                CREATE INDEX IF NOT EXISTS {name}_newest ON {table} (created_at DESC, request_id DESC);
                CREATE INDEX IF NOT EXISTS {name}_by_workspace ON {table} (workspace, created_at DESC, request_id DESC);
                CREATE INDEX IF NOT EXISTS {name}_expiry ON {table} (expires_at) WHERE expires_at IS NOT NULL;
                """);
        }
        sql.Append($"\nCREATE OR REPLACE VIEW {RequestContent} AS ");
        sql.AppendJoin(" UNION ALL ", Enumerable.Range(0, ContentShards).Select(shard => $"SELECT * FROM {ContentShard(shard)}"));
        sql.Append(';');
        return sql.ToString();
    }

    /// <summary>
    /// The signed-on user became a roll-up dimension: a table of an earlier version takes the column and the wider key.
    /// Its older rows stay the user's <c>""</c> (unattributed) until <c>rebuild-projections spend</c> refills them.
    /// </summary>
    private const string SpendByUser = $$"""
        ALTER TABLE {{SpendDaily}} ADD COLUMN IF NOT EXISTS user_id text NOT NULL DEFAULT '';
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                    WHERE i.indrelid = '{{SpendDaily}}'::regclass AND i.indisprimary AND a.attname = 'user_id') THEN
                ALTER TABLE {{SpendDaily}} DROP CONSTRAINT spend_daily_pkey,
                    ADD PRIMARY KEY (day, workspace, key_id, user_id, model, provider, metadata);
            END IF;
        END $$;
        """;

    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            {Logs.RequestLogTable.Table.Ddl()}
            {GinWithLargePendingList($"{Schema}.request_log_by_metadata")}

            {ContentTables()}
            -- Retention removes expired bodies from the event store too (a rebuild must not bring them back).
            CREATE INDEX IF NOT EXISTS {ContentExpiryIndex} ON {Schema}.mt_events (((data ->> 'expires_at_ms')::bigint))
                WHERE type = '{ContentEventType}';

            CREATE TABLE IF NOT EXISTS {SpendDaily} (
                day                         date    NOT NULL,
                workspace                   text    NOT NULL,
                key_id                      text    NOT NULL,
                model                       text    NOT NULL,
                provider                    text    NOT NULL,
                metadata                    jsonb   NOT NULL,
                requests                    bigint  NOT NULL,
                input_tokens                bigint  NOT NULL,
                output_tokens               bigint  NOT NULL,
                cache_creation_input_tokens bigint  NOT NULL,
                cache_read_input_tokens     bigint  NOT NULL,
                cost_usd                    numeric NOT NULL,
                user_id                     text    NOT NULL DEFAULT '',
                PRIMARY KEY (day, workspace, key_id, user_id, model, provider, metadata));
            {SpendByUser}

            {Audit.AuditLogTable.Table.Ddl()}
            {Outcomes.OutcomeRollup.Ddl}
            """, connection);
        // A first build of an index over a large existing table may take minutes; it runs once, under the migration lock.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
