using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>What a workspace admin changes: audited as its token; kept within its workspaces; org-wide configs read, not changed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class DelegatedChangesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_workspace_admins_changes_are_in_the_audit_trail_with_its_token_as_the_actor()
    {
        await using var world = await TwoWorkspaces.CreateAsync(gateway);
        var admin = world.WorkspaceAdmin;
        var a = world.A.Tenant;
        await SendAsync(admin, HttpMethod.Patch, $"/admin/v1/workspaces/{a.Workspace}", HttpStatusCode.OK,
            new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 9m, ["period"] = "weekly" } });
        var key = (await SendAsync(admin, HttpMethod.Post, "/admin/v1/keys", HttpStatusCode.Created, new JsonObject { ["workspace"] = a.Workspace }))["id"]!
            .GetValue<string>();
        await SendAsync(admin, HttpMethod.Patch, $"/admin/v1/keys/{key}", HttpStatusCode.OK, new JsonObject { ["name"] = "ci" });
        await SendAsync(admin, HttpMethod.Post, $"/admin/v1/keys/{key}/rotate", HttpStatusCode.OK);
        await SendAsync(admin, HttpMethod.Post, $"/admin/v1/keys/{key}/revoke", HttpStatusCode.OK);
        var config = "cfg-" + Guid.NewGuid().ToString("N")[..10];
        await SendAsync(admin, HttpMethod.Post, "/admin/v1/configs", HttpStatusCode.Created, TwoWorkspaces.ConfigBody(a, config));
        await SendAsync(admin, HttpMethod.Put, $"/admin/v1/configs/{config}", HttpStatusCode.OK, TwoWorkspaces.ConfigBody(a));
        await SendAsync(admin, HttpMethod.Delete, $"/admin/v1/configs/{config}", HttpStatusCode.NoContent);
        await AdminReads.CatchUpAsync(gateway);

        string[] expected =
        [
            "config.deleted", "config.replaced", "config.created", "key.revoked", "key.rotated", "key.updated", "key.created", "workspace.updated",
        ];
        foreach (var reader in new[] { gateway.Admin, admin, world.Analyst })
        {
            var rows = (await AdminReads.GetAsync(reader, $"/admin/v1/audit?actor={world.WorkspaceAdminId}"))["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
            Assert.Equal(expected, rows.Select(r => r["action"]!.GetValue<string>()));
            Assert.All(rows, r => Assert.Equal(a.Workspace, r["workspace"]!.GetValue<string>()));
            Assert.Equal([config, config, config, key, key, key, key, a.Workspace], rows.Select(r => r["resource_id"]!.GetValue<string>()));
        }
        // B's admins would not see them: an analyst of B reads its own workspace's trail only.
        using var analystOfB = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "analyst", world.B.Tenant.Workspace));
        Assert.Empty((await AdminReads.GetAsync(analystOfB, $"/admin/v1/audit?actor={world.WorkspaceAdminId}"))["data"]!.AsArray());
        var ofB = (await AdminReads.GetAsync(analystOfB, "/admin/v1/audit?limit=1000"))["data"]!.AsArray();
        Assert.Contains(ofB, r => r!["resource_id"]!.GetValue<string>() == world.B.Tenant.KeyId);
        Assert.All(ofB, r => Assert.Equal(world.B.Tenant.Workspace, r!["workspace"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_workspace_admin_keeps_its_resources_in_its_workspaces_and_reads_org_wide_configs_without_changing_them()
    {
        await using var world = await TwoWorkspaces.CreateAsync(gateway);
        var admin = world.WorkspaceAdmin;
        var (a, b) = (world.A.Tenant, world.B.Tenant);

        // A config of no workspace is org-wide: only org admins make one.
        var orgWide = TwoWorkspaces.ConfigBody(a, "cfg-" + Guid.NewGuid().ToString("N")[..10]);
        orgWide.Remove("workspace");
        await RefusedAsync(admin, HttpMethod.Post, "/admin/v1/configs", HttpStatusCode.Forbidden, "permission_error", orgWide, "workspace: ");
        var shared = (await gateway.PostAsync("/admin/v1/configs", orgWide))["slug"]!.GetValue<string>();

        // Moving A's config to B reads as B not existing; making it org-wide is refused; it stays A's.
        await RefusedAsync(admin, HttpMethod.Put, $"/admin/v1/configs/{world.A.Config}", HttpStatusCode.BadRequest, "invalid_request_error",
            TwoWorkspaces.ConfigBody(b), $"workspace: '{b.Workspace}' does not exist.");
        var unowned = TwoWorkspaces.ConfigBody(a);
        unowned.Remove("workspace");
        await RefusedAsync(admin, HttpMethod.Put, $"/admin/v1/configs/{world.A.Config}", HttpStatusCode.Forbidden, "permission_error", unowned, "workspace: ");
        Assert.Equal(a.Workspace, (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{world.A.Config}"))["workspace"]!.GetValue<string>());

        // The org-wide config is A's keys' to use: readable and listed, not changeable.
        Assert.Equal(shared, (await AdminReads.GetAsync(admin, $"/admin/v1/configs/{shared}"))["slug"]!.GetValue<string>());
        Assert.Contains(shared, (await AdminReads.GetAsync(admin, "/admin/v1/configs?limit=1000")).ToJsonString());
        await RefusedAsync(admin, HttpMethod.Put, $"/admin/v1/configs/{shared}", HttpStatusCode.Forbidden, "permission_error", TwoWorkspaces.ConfigBody(a), "");
        await RefusedAsync(admin, HttpMethod.Delete, $"/admin/v1/configs/{shared}", HttpStatusCode.Forbidden, "permission_error", null, "");
        await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{shared}");

        // A's keys and default routing may name A's configs or org-wide ones, never B's.
        await RefusedAsync(admin, HttpMethod.Patch, $"/admin/v1/workspaces/{a.Workspace}", HttpStatusCode.BadRequest, "invalid_request_error",
            new JsonObject { ["default_config"] = world.B.Config }, "default_config: ");
        await RefusedAsync(admin, HttpMethod.Post, "/admin/v1/keys", HttpStatusCode.BadRequest, "invalid_request_error",
            new JsonObject { ["workspace"] = a.Workspace, ["config"] = world.B.Config }, "config: ");
        var patched = await SendAsync(admin, HttpMethod.Patch, $"/admin/v1/workspaces/{a.Workspace}", HttpStatusCode.OK, new JsonObject { ["default_config"] = shared });
        Assert.Equal(shared, patched["default_config"]!.GetValue<string>());
        await SendAsync(admin, HttpMethod.Post, "/admin/v1/keys", HttpStatusCode.Created, new JsonObject { ["workspace"] = a.Workspace, ["config"] = shared });
        Assert.Null((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{b.Workspace}"))["default_config"]);
    }

    private static async Task<JsonObject> SendAsync(HttpClient client, HttpMethod method, string path, HttpStatusCode status, JsonObject? body = null)
    {
        using var response = await client.SendAsync(TwoWorkspaces.Request(method, path, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path} -> {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    private static async Task RefusedAsync(HttpClient client, HttpMethod method, string path, HttpStatusCode status, string type, JsonObject? body,
        string messageStart)
    {
        using var response = await client.SendAsync(TwoWorkspaces.Request(method, path, body));
        var error = await AnthropicError.ReadAsync(response, status, type);
        Assert.StartsWith(messageStart, error.Message);
    }
}
