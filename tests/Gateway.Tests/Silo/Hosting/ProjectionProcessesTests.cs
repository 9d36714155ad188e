using System.Diagnostics;
using Gateway.Projections.Ledger;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Silo.Hosting;

public sealed class ProjectionProcessesTests
{
    [Fact]
    public async Task A_process_told_not_to_run_projections_leaves_them_to_one_that_does()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("projnodes");
        await using var serving = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "projnodes", runsProjections: false);
        var store = serving.Services.GetRequiredService<IDocumentStore>();
        await using var database = new LedgerDatabase(connectionString);
        var now = DateTimeOffset.UtcNow;
        await new EventStreamWriter<UsageRecorded>(store, LedgerSchema.UsageEventType, "usage").WriteAsync(database.Source, new StreamCursor(),
        [
            new UsageRecorded
            {
                RequestId = "req_projnodes",
                StartedAt = now,
                StartedAtMs = now.ToUnixTimeMilliseconds(),
                Endpoint = "messages",
                Status = 200,
                Outcome = UsageOutcomes.Completed,
            },
        ]);

        // Several of the daemon's polling periods: nothing projects it while only the serving process runs.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(0, await LoggedAsync(connectionString));

        await using var projecting = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "projnodes");
        var clock = Stopwatch.StartNew();
        while (await LoggedAsync(connectionString) == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }
        Assert.Equal(1, await LoggedAsync(connectionString));
    }

    private static async Task<long> LoggedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM gateway.request_log WHERE request_id = 'req_projnodes'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
