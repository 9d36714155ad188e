using System.Net;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>
/// <c>/readyz</c> follows the usage ledger: a gateway whose ledger cannot commit would refuse every request, so it says
/// unready — even while the database answers everything else — and ready again once commits go through.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_is_unready_while_the_ledger_cannot_commit_though_the_database_answers_and_ready_again_after()
    {
        await using var fake = await FakeAnthropic.StartAsync();
        var connectionString = await TestPostgres.CreateDatabaseAsync("ready");
        var app = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "ready");
        try
        {
            using var client = new HttpClient { BaseAddress = GatewayFixture.Address(app), Timeout = TimeSpan.FromSeconds(90) };
            var (_, secret) = await StandaloneTenant.CreateAsync(client.BaseAddress!, GatewayFixture.AdminToken, fake, "ready");
            Assert.True(await Readyz.BecomesAsync(client, HttpStatusCode.OK, TimeSpan.FromSeconds(30)), "/readyz never became ready");

            // A lock on the event table holds the ledger's commits (and its probes); every other query still answers.
            await using var blocker = new NpgsqlConnection(connectionString);
            await blocker.OpenAsync();
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var lockEvents = new NpgsqlCommand("LOCK TABLE gateway.mt_events IN ACCESS EXCLUSIVE MODE", blocker, transaction))
            {
                await lockEvents.ExecuteNonQueryAsync();
            }
            var waiting = client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("held by the lock")));
            try
            {
                Assert.True(await Readyz.BecomesAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30)), "/readyz stayed ready while the ledger could not commit");
                using (var unready = await client.GetAsync("/readyz"))
                {
                    Assert.Contains("ledger", await unready.Content.ReadAsStringAsync());
                }
                await using var other = new NpgsqlConnection(connectionString);
                await other.OpenAsync();
                await using var select = new NpgsqlCommand("SELECT count(*) FROM gateway.mt_streams", other);
                await select.ExecuteScalarAsync();
            }
            finally
            {
                await transaction.RollbackAsync();
            }

            Assert.True(await Readyz.BecomesAsync(client, HttpStatusCode.OK, TimeSpan.FromSeconds(60)), "/readyz did not recover once the ledger could commit");
            using var held = await waiting;
            Assert.True(held.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"the held request ended {(int)held.StatusCode}");
            using var after = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("after the lock")));
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
