using System.Net;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// When a key's or a budget's state cannot be read (its grain cannot activate), the request is a 503
/// <c>overloaded_error</c> with <c>retry-after</c> — never a 500 — nothing reaches the provider, and the gateway
/// serves again once the state is readable, without a restart.
/// </summary>
public sealed class StateOutageTests : IAsyncLifetime
{
    private FakeAnthropic _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task A_key_whose_state_cannot_be_read_is_a_503_with_retry_after_until_it_can()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("outage");
        string secret;
        // The key is created by one gateway, then served by a fresh one that has never loaded it.
        await using (var first = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "outage"))
        {
            (_, secret) = await StandaloneTenant.CreateAsync(GatewayFixture.Address(first), GatewayFixture.AdminToken, _fake, "outage",
                new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } });
        }
        await using var gateway = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "outage");
        using var client = new HttpClient { BaseAddress = GatewayFixture.Address(gateway) };

        await RenameStateTableAsync(connectionString, "grain_state", "grain_state_away");
        try
        {
            using var refused = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("while away")));
            var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.ServiceUnavailable, "overloaded_error");
            Assert.Equal("1", refused.Headers.GetValues("retry-after").Single());
            Assert.StartsWith("req_", error.RequestId);
            Assert.Empty(_fake.Requests);
        }
        finally
        {
            await RenameStateTableAsync(connectionString, "grain_state_away", "grain_state");
        }

        // Readable again: the next request is served (the failed activation is not kept).
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            using var answered = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("back")));
            if (answered.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answered.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "still 503 30 s after the state came back");
        }
    }

    private static async Task RenameStateTableAsync(string connectionString, string from, string to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"ALTER TABLE orleans.{from} RENAME TO {to}", connection);
        await command.ExecuteNonQueryAsync();
    }
}
