using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
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
        var environment = GatewayProcess.Environment(await TestPostgres.CreateDatabaseAsync("userblock"), AdminToken, "userblock");
        environment["Gateway__Identity__AllowHttpIssuers"] = "true";
        await using var a = GatewayProcess.Start(environment);
        await using var b = GatewayProcess.Start(environment);
        await Task.WhenAll(a.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), b.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        using var admin = new HttpClient { BaseAddress = a.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var clientA = new HttpClient { BaseAddress = a.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        using var clientB = new HttpClient { BaseAddress = b.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        await GatewayFixture.PostAsync(admin, "/admin/v1/workspaces", new JsonObject { ["id"] = "team" });
        await GatewayFixture.PostAsync(admin, "/admin/v1/providers", new JsonObject
        {
            ["slug"] = "direct",
            ["kind"] = "anthropic",
            ["base_url"] = _anthropic.BaseUrl.ToString(),
            ["credentials"] = new JsonObject { ["api_key"] = _anthropic.ApiKey },
        });
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
