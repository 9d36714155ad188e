using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
            settings: new Dictionary<string, string?> { ["Gateway:Shutdown:DrainDelay"] = "00:00:05" });
        using var client = new HttpClient { BaseAddress = GatewayFixture.Address(app), Timeout = TimeSpan.FromSeconds(30) };
        var secret = await CreateKeyAsync(client, fake);
        Assert.True(await Processes.WaitUntilAsync(() => client.GetAsync("/readyz").Result.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30)));

        var stopping = app.StopAsync();
        try
        {
            Assert.True(await Processes.WaitUntilAsync(() => client.GetAsync("/readyz").Result.StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(3)), "/readyz still ready while stopping");
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

    private static async Task<string> CreateKeyAsync(HttpClient client, FakeAnthropic fake)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminToken);
        (await client.PostAsJsonAsync("/admin/v1/workspaces", new { id = "drain" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/admin/v1/providers", new
        {
            slug = "drain-provider",
            kind = "anthropic",
            base_url = fake.BaseUrl.ToString(),
            credentials = new { api_key = fake.ApiKey },
        })).EnsureSuccessStatusCode();
        using var key = await client.PostAsJsonAsync("/admin/v1/keys", new { workspace = "drain", name = "drain" });
        key.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Authorization = null;
        return (await key.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }
}
