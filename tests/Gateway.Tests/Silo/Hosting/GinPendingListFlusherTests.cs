using System.Diagnostics;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Silo.Hosting;

public sealed class GinPendingListFlusherTests
{
    [Fact]
    public async Task Full_text_entries_written_by_the_projection_are_merged_into_the_index_within_seconds()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("ginflush");
        await using (var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString)))
        {
            await GatewayHost.MigrateAsync(store, connectionString, NullLogger.Instance, CancellationToken.None);
        }
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var setup = dataSource.CreateCommand("""
            CREATE EXTENSION IF NOT EXISTS pageinspect;
            INSERT INTO gateway.request_content_0 (request_id, seq_id, created_at, redacted, search)
                SELECT 'req_' || i, i, now(), false, to_tsvector('simple', 'quarterly forecast ' || i) FROM generate_series(1, 50) i;
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }
        // The insert only appended to the pending list.
        Assert.Equal(50, await PendingAsync(dataSource));

        using var flusher = new GinPendingListFlusher(dataSource, TimeProvider.System, NullLogger<GinPendingListFlusher>.Instance);
        await flusher.StartAsync(CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (await PendingAsync(dataSource) > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
        await flusher.StopAsync(CancellationToken.None);

        Assert.Equal(0, await PendingAsync(dataSource));
        await using var search = dataSource.CreateCommand(
            "SELECT count(*) FROM gateway.request_content_0 WHERE search @@ websearch_to_tsquery('simple', 'quarterly forecast')");
        Assert.Equal(50L, await search.ExecuteScalarAsync());
    }

    private static async Task<long> PendingAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT n_pending_tuples FROM gin_metapage_info(get_raw_page('gateway.request_content_0_search', 0))");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
