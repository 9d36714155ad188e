using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

/// <summary>
/// The admin API's governance fields: a workspace's <c>required_metadata</c> and <c>metadata_headers</c>, a config's
/// <c>metadata</c> — shown as set, and refused with a 400 naming the field when they could not be enforced or recorded.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GovernanceAdminTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_workspaces_governance_round_trips_with_header_names_in_lower_case_and_can_be_cleared()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject
        {
            ["required_metadata"] = new JsonArray("cost_center"),
            ["metadata_headers"] = new JsonObject { ["X-Claude-Code-Session-Id"] = "session" },
        });
        var read = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{tenant.Workspace}");
        Assert.True(JsonNode.DeepEquals(new JsonArray("cost_center"), read["required_metadata"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["x-claude-code-session-id"] = "session" }, read["metadata_headers"]));

        using var cleared = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/workspaces/{tenant.Workspace}",
            new JsonObject { ["required_metadata"] = new JsonArray(), ["metadata_headers"] = new JsonObject() });
        var after = JsonNode.Parse(await cleared.Content.ReadAsStringAsync())!;
        Assert.Empty(after["required_metadata"]!.AsArray());
        Assert.Empty(after["metadata_headers"]!.AsObject());
        // Cleared takes effect at once: the key's next request needs no cost_center.
        using var served = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("ungoverned")));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    public static TheoryData<string, string> BadWorkspaceFields => new()
    {
        { """{"metadata_headers":{"x session":"session"}}""", "not a header name" },
        { """{"metadata_headers":{"x-session:":"session"}}""", "not a header name" },
        { """{"metadata_headers":{"Authorization":"user"}}""", "'authorization' may carry a credential" },
        { """{"metadata_headers":{"x-api-key":"user"}}""", "'x-api-key' may carry a credential" },
        { """{"metadata_headers":{"cookie":"user"}}""", "'cookie' may carry a credential" },
        { """{"metadata_headers":{"x-session":"bad key"}}""", "'x-session': key 'bad key'" },
        { """{"metadata_headers":{"x-session":null}}""", "'x-session': a metadata key is required" },
        { "{\"metadata_headers\":{" + string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"x-h{i}\":\"k{i}\"")) + "}}", "at most 16 headers" },
        { """{"metadata_headers":["x-session"]}""", "metadata_headers: wrong type" },
        { """{"required_metadata":["cost center"]}""", "required_metadata: key 'cost center'" },
        { """{"required_metadata":[null]}""", "required_metadata: keys must be strings" },
        { """{"required_metadata":"cost_center"}""", "required_metadata: wrong type" },
        { "{\"required_metadata\":[" + string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"k{i}\"")) + "]}", "at most 16 keys" },
    };

    [Theory]
    [MemberData(nameof(BadWorkspaceFields))]
    public async Task Governance_a_workspace_could_not_enforce_is_refused_on_create_and_change(string fields, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();
        var create = JsonNode.Parse(fields)!.AsObject();
        create["id"] = "ws-bad-" + Guid.NewGuid().ToString("N")[..8];

        using var created = await gateway.Admin.PostAsJsonAsync("/admin/v1/workspaces", create);
        using var changed = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/workspaces/{tenant.Workspace}", JsonNode.Parse(fields));

        foreach (var response in new[] { created, changed })
        {
            var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
            Assert.Contains(expected, error.Message);
        }
        var read = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{tenant.Workspace}");
        Assert.Empty(read["metadata_headers"]!.AsObject());
    }

    [Theory]
    [InlineData("""{"team":"a\u0001b"}""", "metadata: value of 'team'")]
    [InlineData("""{"team":null}""", "metadata: value of 'team': must be a string")]
    [InlineData("""{"bad key":"x"}""", "metadata: key 'bad key'")]
    public async Task Config_metadata_that_could_not_be_recorded_is_refused_on_create_and_replace(string metadata, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();
        var route = new JsonObject { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }) };
        var slug = "cfg-bad-" + Guid.NewGuid().ToString("N")[..8];
        await gateway.PostAsync("/admin/v1/configs", new JsonObject { ["slug"] = slug, ["config"] = route.DeepClone() });

        using var created = await gateway.Admin.PostAsJsonAsync("/admin/v1/configs",
            new JsonObject { ["slug"] = slug + "-new", ["config"] = route.DeepClone(), ["metadata"] = JsonNode.Parse(metadata) });
        using var replaced = await gateway.Admin.PutAsJsonAsync($"/admin/v1/configs/{slug}",
            new JsonObject { ["config"] = route.DeepClone(), ["metadata"] = JsonNode.Parse(metadata) });

        foreach (var response in new[] { created, replaced })
        {
            var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
            Assert.StartsWith(expected, error.Message);
        }
        var read = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{slug}");
        Assert.Empty(read["metadata"]!.AsObject());
    }
}
