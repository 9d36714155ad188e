using System.Net;
using Gateway.Fakes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>A user blocked through one gateway process is refused by the other from their next request on.</summary>
public sealed class UserBlockProcessesTests : IAsyncLifetime
{
    private const string AdminToken = "user-block-admin-token";
    private FakeAnthropic _anthropic = null!;

    public async Task InitializeAsync() => _anthropic = await FakeAnthropic.StartAsync();

    public async Task DisposeAsync() => await _anthropic.DisposeAsync();

    [Fact]
    public async Task A_user_blocked_on_one_process_is_refused_on_the_other_at_their_next_request()
    {
        await using var gateways = await GatewayPair.StartAsync("userblock", AdminToken,
            new Dictionary<string, string> { ["Gateway__Identity__AllowHttpIssuers"] = "true" });
        var (admin, clientA, clientB) = (gateways.Admin, gateways.ClientA, gateways.ClientB);
        await gateways.CreateTeamAsync(_anthropic);
        await using var signOn = await SignOnSetup.RegisterAsync(admin, [SignOnSetup.Rule("team", "team")]);
        var token = signOn.Token("ivy@corp.example", ["team"]);
        var colleague = signOn.Token("jon@corp.example", ["team"]);
        // Both processes serve the user before the block (warm: their keys and providers are cached).
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientA, token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB, token));

        using (var block = await admin.PostAsync($"/admin/v1/users/{signOn.UserId("ivy@corp.example")}/block", null))
        {
            block.EnsureSuccessStatusCode();
        }

        // The very next request, on the other process, is refused; nothing is cached past the block.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(clientB, token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(clientA, token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(clientB, colleague));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string token)
    {
        using var response = await client.SendAsync(SignOnSetup.Messages(token));
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }
}
