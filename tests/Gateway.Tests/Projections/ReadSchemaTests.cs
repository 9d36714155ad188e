using Gateway.Projections;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.Projections;

public sealed class ReadSchemaTests
{
    [Fact]
    public async Task An_upgrade_from_two_full_text_shards_continues_at_the_slower_ones_mark_and_gives_the_gin_indexes_a_large_pending_list()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("readschema");
        await TestPostgres.MigrateAsync(connectionString);
        // What earlier versions left: one daemon shard per full-text table, GIN indexes without a pending list or
        // with PostgreSQL's default one.
        await ExecuteAsync(connectionString, """
            DELETE FROM gateway.mt_event_progression;
            INSERT INTO gateway.mt_event_progression (name, last_seq_id) VALUES
                ('request_content_0:All', 120), ('request_content_1:All', 100), ('request_log:All', 130);
            ALTER INDEX gateway.request_content_0_search SET (fastupdate = off);
            ALTER INDEX gateway.request_content_1_search RESET (gin_pending_list_limit);
            ALTER INDEX gateway.request_log_by_metadata RESET (fastupdate, gin_pending_list_limit);
            """);

        await ReadSchema.ApplyAsync(connectionString, CancellationToken.None);

        Assert.Equal(
            ["request_content:All=100", "request_log:All=130"],
            await QueryAsync(connectionString, "SELECT name || '=' || last_seq_id FROM gateway.mt_event_progression ORDER BY name"));
        Assert.Equal(
            ["request_content_0_search", "request_content_1_search", "request_log_by_metadata"],
            await QueryAsync(connectionString, """
                SELECT c.relname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
                WHERE a.amname = 'gin' AND c.relnamespace = 'gateway'::regnamespace AND c.reloptions @> '{fastupdate=on,gin_pending_list_limit=65536}'
                ORDER BY 1
                """));

        // Applying it again (every start does) changes nothing.
        await ReadSchema.ApplyAsync(connectionString, CancellationToken.None);
        Assert.Equal(
            ["request_content:All=100", "request_log:All=130"],
            await QueryAsync(connectionString, "SELECT name || '=' || last_seq_id FROM gateway.mt_event_progression ORDER BY name"));

        // With one shard's mark only, nothing says how far the other got: the projection starts over (a replayed
        // body inserts nothing twice).
        await ExecuteAsync(connectionString, "INSERT INTO gateway.mt_event_progression (name, last_seq_id) VALUES ('request_content_1:All', 90)");
        await ReadSchema.ApplyAsync(connectionString, CancellationToken.None);
        Assert.Equal(
            ["request_content:All=0", "request_log:All=130"],
            await QueryAsync(connectionString, "SELECT name || '=' || last_seq_id FROM gateway.mt_event_progression ORDER BY name"));
    }

    [Fact]
    public async Task A_restart_keeps_the_indexes_on_the_event_table_instead_of_building_them_again()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("readschema");
        const string Indexes = """
            SELECT c.relname || '#' || c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'gateway.mt_events'::regclass ORDER BY 1
            """;
        await TestPostgres.MigrateAsync(connectionString);
        var before = await QueryAsync(connectionString, Indexes);
        Assert.Contains(before, index => index.StartsWith("mt_events_usage_by_key#", StringComparison.Ordinal));
        Assert.Contains(before, index => index.StartsWith("mt_events_content_expiry#", StringComparison.Ordinal));

        // A new process (a new store) migrates again: a dropped and re-created index would have a new oid.
        await TestPostgres.MigrateAsync(connectionString);
        Assert.Equal(before, await QueryAsync(connectionString, Indexes));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
