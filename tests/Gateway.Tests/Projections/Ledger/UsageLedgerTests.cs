using System.Net;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Projections.Ledger;

[Collection(GatewayCollection.Name)]
public sealed class UsageLedgerTests(GatewayFixture gateway)
{
    [Fact]
    public async Task While_the_ledger_cannot_be_written_answers_are_withheld_and_new_requests_get_503_until_it_recovers()
    {
        var tenant = await gateway.CreateTenantAsync();
        string withheldId;
        await using (var connection = new NpgsqlConnection(gateway.ConnectionString))
        {
            await connection.OpenAsync();
            // The event table disappears from under the gateway: every append fails as on a broken database.
            await ExecuteAsync(connection, "ALTER TABLE gateway.mt_events RENAME TO mt_events_parked");
            try
            {
                using var withheld = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("answer me")));
                var error = await AnthropicError.ReadAsync(withheld, HttpStatusCode.ServiceUnavailable, "overloaded_error");
                Assert.DoesNotContain("answer me", error.Message);
                withheldId = Requests.RequestId(withheld);

                gateway.Fake.ClearRequests();
                using var refused = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("not even tried")));
                await AnthropicError.ReadAsync(refused, HttpStatusCode.ServiceUnavailable, "overloaded_error");
                Assert.Equal("1", refused.Headers.GetValues("retry-after").Single());
                Assert.Empty(gateway.Fake.Requests);
            }
            finally
            {
                await ExecuteAsync(connection, "ALTER TABLE gateway.mt_events_parked RENAME TO mt_events");
            }
        }

        // The ledger probes the database and takes requests again on its own.
        HttpStatusCode status = default;
        for (var attempt = 0; attempt < 50 && status != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(200);
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("back")));
            status = response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(await LedgerQueries.RecordedAsync(gateway.ConnectionString, [withheldId]));
    }

    [Fact]
    public async Task Marten_reads_the_ledgers_events_back_whole()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("[input:1234][output:56] read me", model: "claude-haiku-4-5")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Requests.RequestId(response);

        var store = gateway.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName == "usage_recorded").ToListAsync();
        var recorded = Assert.Single(events.Select(e => e.Data).OfType<UsageRecorded>(), r => r.RequestId == requestId);

        Assert.Equal(tenant.KeyId, recorded.KeyId);
        Assert.Equal(1_234, recorded.InputTokens);
        Assert.Equal(56, recorded.OutputTokens);
        Assert.Equal((1_234 * 1m + 56 * 5m) / 1_000_000m, recorded.CostUsd);
        Assert.Equal(UsageOutcomes.Completed, recorded.Outcome);
        var streamKey = events.Single(e => ((UsageRecorded)e.Data).RequestId == requestId).StreamKey!;
        var stream = await session.Events.FetchStreamAsync(streamKey);
        Assert.Contains(stream, e => e.Data is UsageRecorded r && r.RequestId == requestId);
        // The stream's recorded version catches up with its last event within about a second (it is recorded off
        // the requests' path).
        var recordedVersion = 0L;
        for (var attempt = 0; attempt < 100 && recordedVersion < stream[^1].Version; attempt++)
        {
            await Task.Delay(100);
            await using var fresh = store.QuerySession();
            recordedVersion = (await fresh.Events.FetchStreamStateAsync(streamKey))!.Version;
        }
        Assert.Equal(stream[^1].Version, recordedVersion);
    }

    [Fact]
    public async Task A_write_whose_commit_outcome_was_lost_is_retried_without_a_second_copy()
    {
        var target = new NpgsqlConnectionStringBuilder(gateway.ConnectionString);
        await using var proxy = new CommitCuttingProxy(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(gateway.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false };
        await using var database = NpgsqlDataSource.Create(viaProxy.ConnectionString);
        var writer = new Gateway.Projections.Ledger.EventStreamWriter<UsageRecorded>(gateway.Services.GetRequiredService<IDocumentStore>(),
            Gateway.Projections.Ledger.LedgerSchema.UsageEventType, "usage-test");
        var cursor = new Gateway.Projections.Ledger.StreamCursor();
        var marker = Guid.NewGuid().ToString("N");
        List<UsageRecorded> Batch(string name, int count) => [.. Enumerable.Range(0, count).Select(i => new UsageRecorded
        {
            RequestId = $"req_{marker}_{name}{i}",
            StartedAt = DateTimeOffset.UtcNow,
            Endpoint = "messages",
            Outcome = UsageOutcomes.Completed,
        })];
        var first = Batch("a", 3);

        Assert.True(await writer.WriteAsync(database, cursor, Batch("warm", 1)));
        proxy.Arm();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => writer.WriteAsync(database, cursor, first));
        Assert.Equal(1, proxy.Cuts);
        // The ledger retries the same events: they are found committed, so nothing is written again.
        Assert.False(await writer.WriteAsync(database, cursor, first, retry: true));
        Assert.True(await writer.WriteAsync(database, cursor, Batch("b", 2)));

        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT data ->> 'request_id', version FROM gateway.mt_events WHERE stream_id = $1 ORDER BY version", connection);
        query.Parameters.AddWithValue(cursor.Stream!);
        var rows = new List<(string RequestId, long Version)>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        Assert.Equal(["warm0", "a0", "a1", "a2", "b0", "b1"], rows.Select(r => r.RequestId[(marker.Length + 5)..]));
        Assert.Equal([1L, 2, 3, 4, 5, 6], rows.Select(r => r.Version));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
