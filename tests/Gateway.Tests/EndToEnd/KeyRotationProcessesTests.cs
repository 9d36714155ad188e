using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>A key rotated through one gateway process: both secrets work on every process during the grace, then only the new one.</summary>
public sealed class KeyRotationProcessesTests : IAsyncLifetime
{
    private const string AdminToken = "rotation-admin-token";
    private FakeAnthropic _anthropic = null!;

    public async Task InitializeAsync() => _anthropic = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _anthropic.DisposeAsync();

    [Fact]
    public async Task During_the_grace_both_secrets_work_on_both_processes_and_after_it_only_the_new_one()
    {
        await using var gateways = await GatewayPair.StartAsync("rotation", AdminToken);
        var (admin, clientA, clientB) = (gateways.Admin, gateways.ClientA, gateways.ClientB);
        await gateways.CreateTeamAsync(_anthropic);
        var (keyId, oldSecret) = await CreateKeyAsync(admin);
        // Both processes have served the key before it is rotated (warm, so the grace is not spent starting up).
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA, oldSecret));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB, oldSecret));

        using var rotation = await admin.PostAsJsonAsync($"/admin/v1/keys/{keyId}/rotate", new JsonObject { ["grace_seconds"] = 4 });
        rotation.EnsureSuccessStatusCode();
        var newSecret = (await rotation.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
        var graceEnds = DateTimeOffset.UtcNow.AddSeconds(4);

        // Within the grace (asked right away; the grace is 4 s) both work, whichever process takes the request.
        foreach (var client in new[] { clientA, clientB })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, newSecret));
            var old = await StatusAsync(client, oldSecret);
            Assert.True(old == HttpStatusCode.OK || DateTimeOffset.UtcNow >= graceEnds, $"the old secret was refused during its grace ({old})");
        }

        // After it, the old secret is refused on both processes and the new one keeps working.
        Assert.True(await Processes.WaitUntilAsync(async () =>
            await StatusAsync(clientA, oldSecret) == HttpStatusCode.Unauthorized && await StatusAsync(clientB, oldSecret) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(60)), "the old secret still works after its grace");
        Assert.True(DateTimeOffset.UtcNow >= graceEnds.AddMilliseconds(-500), "the old secret stopped before its grace ended");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA, newSecret));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB, newSecret));
    }

    private static async Task<(string Id, string Secret)> CreateKeyAsync(HttpClient admin)
    {
        using var key = await admin.PostAsJsonAsync("/admin/v1/keys", new { workspace = "team", name = "rotating" });
        key.EnsureSuccessStatusCode();
        var created = (await key.Content.ReadFromJsonAsync<JsonObject>())!;
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string secret)
    {
        using var response = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("rotation")));
        return response.StatusCode;
    }
}
