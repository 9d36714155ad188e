using Gateway.Projections;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Silo.Hosting;

public sealed class GinPendingListFlusherTests
{
    [Fact]
    public async Task Full_text_entries_go_to_the_pending_list_and_the_flusher_merges_them_within_seconds()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ginflush");
        await TestPostgres.MigrateAsync(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // Autovacuum merges pending lists too; it must not do the flusher's work (or the probe's) in this test.
        await using (var quiet = dataSource.CreateCommand("ALTER TABLE gateway.request_content_0 SET (autovacuum_enabled = off)"))
        {
            await quiet.ExecuteNonQueryAsync();
        }

        // An insert only appends to the pending list: merging it afterwards finds pages to merge.
        await InsertAsync(dataSource, from: 1);
        Assert.True(await ReadSchema.FlushGinPendingListsAsync(dataSource, CancellationToken.None) > 0);

        await InsertAsync(dataSource, from: 101);
        using var flusher = new GinPendingListFlusher(dataSource, TimeProvider.System, NullLogger<GinPendingListFlusher>.Instance);
        await flusher.StartAsync(CancellationToken.None);
        // Three of the flusher's intervals (it also merges once as it starts).
        await Task.Delay(3 * GinPendingListFlusher.Interval);
        await flusher.StopAsync(CancellationToken.None);

        Assert.Equal(0L, await ReadSchema.FlushGinPendingListsAsync(dataSource, CancellationToken.None));
        await using var search = dataSource.CreateCommand(
            "SELECT count(*) FROM gateway.request_content_0 WHERE search @@ websearch_to_tsquery('simple', 'quarterly forecast')");
        Assert.Equal(200L, await search.ExecuteScalarAsync());
    }

    private static async Task InsertAsync(NpgsqlDataSource dataSource, int from)
    {
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO gateway.request_content_0 (request_id, seq_id, created_at, redacted, search)
                SELECT 'req_' || i, i, now(), false, to_tsvector('simple', 'quarterly forecast ' || i) FROM generate_series($1, $1 + 99) i
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = from });
        await insert.ExecuteNonQueryAsync();
    }
}
