using System.Net;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>A stopping gateway says so on <c>/readyz</c> first, and keeps serving for its drain delay.</summary>
public sealed class DrainingTests
{
    [Fact]
    public async Task A_stopping_gateway_is_unready_at_once_and_still_answers_during_its_drain_delay()
    {
        await using var fake = await FakeAnthropic.StartAsync();
        var connectionString = await TestPostgres.CreateDatabaseAsync("drain");
        var app = await GatewayFixture.StartGatewayAsync(connectionString, clusterId: "drain",
            settings: new Dictionary<string, string?> { ["Gateway:Shutdown:DrainDelay"] = "00:00:15" });
        using var client = new HttpClient { BaseAddress = GatewayFixture.Address(app), Timeout = TimeSpan.FromSeconds(30) };
        var (_, secret) = await StandaloneTenant.CreateAsync(client.BaseAddress!, GatewayFixture.AdminToken, fake, "drain");
        Assert.True(await ReadyzBecomesAsync(client, HttpStatusCode.OK, TimeSpan.FromSeconds(30)), "/readyz never became ready");

        var stopping = app.StopAsync();
        try
        {
            // Unready from the first moment of stopping; the drain delay (15 s) leaves slack for a busy machine.
            Assert.True(await ReadyzBecomesAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5)), "/readyz still ready while stopping");
            using (var ready = await client.GetAsync("/readyz"))
            {
                Assert.Contains("draining", await ready.Content.ReadAsStringAsync());
            }
            using var answered = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("while draining")));
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.False(stopping.IsCompleted, "the gateway stopped before its drain delay");
        }
        finally
        {
            await stopping;
            await app.DisposeAsync();
        }
    }

    private static async Task<bool> ReadyzBecomesAsync(HttpClient client, HttpStatusCode status, TimeSpan within)
    {
        for (var deadline = DateTime.UtcNow + within; DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            using var response = await client.GetAsync("/readyz");
            if (response.StatusCode == status)
            {
                return true;
            }
        }
        return false;
    }
}
