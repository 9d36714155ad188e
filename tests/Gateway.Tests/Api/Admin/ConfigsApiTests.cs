using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

/// <summary>Routing configs: what round-trips, which routing is refused, and keys that name a missing workspace or config.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ConfigsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Keys_are_refused_for_missing_workspaces_and_configs()
    {
        using (var noWorkspace = await gateway.Admin.PostAsJsonAsync("/admin/v1/keys", new { workspace = "does-not-exist", name = "k" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noWorkspace.StatusCode);
            Assert.Contains("workspace", (await AnthropicError.ReadAsync(noWorkspace)).Message);
        }
        var tenant = await gateway.CreateTenantAsync();
        using var noConfig = await gateway.Admin.PostAsJsonAsync("/admin/v1/keys", new { workspace = tenant.Workspace, config = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, noConfig.StatusCode);
        Assert.Contains("config", (await AnthropicError.ReadAsync(noConfig)).Message);
    }

    [Fact]
    public async Task Configs_round_trip_and_unsupported_routing_is_refused_clearly()
    {
        var tenant = await gateway.CreateTenantAsync();
        var slug = "cfg-rt-" + Guid.NewGuid().ToString("N")[..8];
        var config = new JsonObject
        {
            ["strategy"] = new JsonObject { ["mode"] = "single" },
            ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }),
        };
        var created = await gateway.PostAsync("/admin/v1/configs", new JsonObject { ["slug"] = slug, ["config"] = config });
        Assert.True(JsonNode.DeepEquals(config, created["config"]));
        var read = await gateway.Admin.GetFromJsonAsync<JsonObject>($"/admin/v1/configs/{slug}");
        Assert.True(JsonNode.DeepEquals(config, read!["config"]));

        var fallback = new JsonObject
        {
            ["slug"] = slug + "-fb",
            ["config"] = JsonNode.Parse($"{{\"strategy\":{{\"mode\":\"fallback\"}},\"targets\":[{{\"provider\":\"@{tenant.Provider}\"}},{{\"strategy\":{{\"mode\":\"loadbalance\"}},\"targets\":[{{\"provider\":\"@{tenant.Provider}\",\"weight\":2}}]}}]}}"),
        };
        using var accepted = await gateway.Admin.PostAsJsonAsync("/admin/v1/configs", fallback);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        var roundRobin = new JsonObject
        {
            ["slug"] = slug + "-rr",
            ["config"] = JsonNode.Parse($"{{\"strategy\":{{\"mode\":\"round_robin\"}},\"targets\":[{{\"provider\":\"@{tenant.Provider}\"}}]}}"),
        };
        using var refused = await gateway.Admin.PostAsJsonAsync("/admin/v1/configs", roundRobin);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("single, fallback or loadbalance", (await AnthropicError.ReadAsync(refused)).Message);

        using var unknownProvider = await gateway.Admin.PostAsJsonAsync("/admin/v1/configs",
            new JsonObject { ["slug"] = slug + "-up", ["config"] = JsonNode.Parse("{\"targets\":[{\"provider\":\"@nobody\"}]}") });
        Assert.Equal(HttpStatusCode.BadRequest, unknownProvider.StatusCode);
    }
}
