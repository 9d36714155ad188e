using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// A workspace's metadata rules through real HTTP: a request without its required metadata is refused before any provider
/// hears of it (on every endpoint and front); metadata may come from the key, its config, the workspace or the request; where
/// several set one key the precedence is key &gt; config &gt; workspace &gt; request header; mapped headers land in the log and chargeback.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MetadataGovernanceTests(GatewayFixture gateway)
{
    private static readonly JsonObject RequiresCostCenter = new() { ["required_metadata"] = new JsonArray("cost_center") };

    [Fact]
    public async Task A_request_missing_required_metadata_is_refused_naming_it_and_nothing_reaches_the_provider()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: RequiresCostCenter);
        var marker = Guid.NewGuid().ToString("N");

        using var messages = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("governed " + marker)));
        using var countTokens = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody("governed " + marker), "/v1/messages/count_tokens"));
        using var bedrock = await gateway.Client.SendAsync(CloudRequests.Bedrock(tenant.Secret, "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "invoke", CloudRequests.InvokeBody("governed " + marker)));

        var error = await AnthropicError.ReadAsync(messages, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Equal($"metadata 'cost_center' is required by workspace '{tenant.Workspace}': set it on the key, its config or workspace, "
            + "or send it in x-gateway-metadata.", error.Message);
        Assert.Contains("'cost_center' is required", (await AnthropicError.ReadAsync(countTokens, HttpStatusCode.BadRequest, "invalid_request_error")).Message);
        Assert.Equal(HttpStatusCode.BadRequest, bedrock.StatusCode);
        Assert.Contains("'cost_center' is required", await bedrock.Content.ReadAsStringAsync());
        Assert.DoesNotContain(gateway.Fake.Requests, r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(messages));
        Assert.Equal((400, "refused", tenant.KeyId), (record.Status, record.Outcome, record.KeyId));
        Assert.Contains("'cost_center' is required", record.ErrorMessage);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("workspace")]
    [InlineData("config")]
    [InlineData("key")]
    public async Task Required_metadata_from_any_source_lets_the_request_through_recorded_with_its_value(string source)
    {
        var workspace = RequiresCostCenter.DeepClone().AsObject();
        if (source == "workspace")
        {
            workspace["metadata"] = new JsonObject { ["cost_center"] = "cc-workspace" };
        }
        var tenant = await gateway.CreateTenantAsync(workspaceFields: workspace);
        var key = tenant.Secret;
        if (source is "config" or "key")
        {
            var config = source == "config" ? await CreateConfigAsync(tenant, new JsonObject { ["cost_center"] = "cc-config" }) : null;
            key = (await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject
            {
                ["config"] = config,
                ["metadata"] = source == "key" ? new JsonObject { ["cost_center"] = "cc-key" } : new JsonObject(),
            })).Secret;
        }
        using var request = Requests.Messages(key, Requests.MessagesBody("governed by " + source));
        if (source == "header")
        {
            request.Headers.Add("x-gateway-metadata", """{"cost_center":"cc-header"}""");
        }

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cc-" + source, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Metadata["cost_center"]);
    }

    [Fact]
    public async Task Where_every_level_sets_the_same_key_the_key_wins_then_the_config_then_the_workspace_then_the_header()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject { ["metadata"] = new JsonObject { ["cost_center"] = "workspace" } });
        var config = await CreateConfigAsync(tenant, new JsonObject { ["cost_center"] = "config" });
        var withAll = await gateway.CreateKeyAsync(tenant.Workspace,
            new JsonObject { ["config"] = config, ["metadata"] = new JsonObject { ["cost_center"] = "key" } });
        var withConfig = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["config"] = config });
        var bare = await gateway.CreateTenantAsync();

        var recorded = new List<string>();
        foreach (var secret in new[] { withAll.Secret, withConfig.Secret, tenant.Secret, bare.Secret })
        {
            using var request = Requests.Messages(secret, Requests.MessagesBody("precedence"));
            request.Headers.Add("x-gateway-metadata", """{"cost_center":"header"}""");
            using var response = await gateway.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            recorded.Add((await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Metadata["cost_center"]);
        }

        Assert.Equal(["key", "config", "workspace", "header"], recorded);
    }

    [Fact]
    public async Task A_configs_new_metadata_reaches_the_keys_that_route_by_it()
    {
        var tenant = await gateway.CreateTenantAsync();
        var config = await CreateConfigAsync(tenant, new JsonObject { ["project"] = "before" });
        var key = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["config"] = config });
        Assert.Equal("before", await ProjectOfNextRequestAsync(key.Secret));

        using (var replaced = await gateway.Admin.PutAsync($"/admin/v1/configs/{config}", Json(new JsonObject
        {
            ["workspace"] = tenant.Workspace,
            ["config"] = Route(tenant),
            ["metadata"] = new JsonObject { ["project"] = "after" },
        })))
        {
            Assert.Equal("after", JsonNode.Parse(await replaced.Content.ReadAsStringAsync())!["metadata"]!["project"]!.GetValue<string>());
        }

        // Keys re-read their config at most once a second.
        Assert.True(await Processes.WaitUntilAsync(async () => await ProjectOfNextRequestAsync(key.Secret) == "after", TimeSpan.FromSeconds(20)),
            "requests carry the config's new metadata");
    }

    private async Task<string?> ProjectOfNextRequestAsync(string secret)
    {
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("which project")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Metadata.GetValueOrDefault("project");
    }

    private static JsonObject Route(Tenant tenant) => new() { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }) };

    private async Task<string> CreateConfigAsync(Tenant tenant, JsonObject metadata)
    {
        var slug = "cfg-md-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.PostAsync("/admin/v1/configs",
            new JsonObject { ["slug"] = slug, ["workspace"] = tenant.Workspace, ["config"] = Route(tenant), ["metadata"] = metadata });
        Assert.True(JsonNode.DeepEquals(metadata, created["metadata"]));
        return slug;
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
