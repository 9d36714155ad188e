using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

[Collection(GatewayCollection.Name)]
public sealed class AuditAndAdminTokensTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Admin_actions_are_audited_with_who_did_them_newest_first()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/keys/{tenant.KeyId}",
            JsonContent(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5m, ["period"] = "daily" } })))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using (var revoke = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }
        await AdminReads.CatchUpAsync(gateway);

        var trail = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?resource_type=key&resource_id={tenant.KeyId}");
        var rows = trail["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["key.revoked", "key.updated", "key.created"], rows.Select(r => r["action"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.Equal("env", r["actor"]!.GetValue<string>()));
        Assert.Contains("budget: 5", rows[1]["details"]!.GetValue<string>());
        var workspace = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?action=workspace.created&resource_id={tenant.Workspace}");
        Assert.Single(workspace["data"]!.AsArray());
    }

    [Fact]
    public async Task An_admin_token_is_shown_once_works_for_its_role_and_stops_working_when_deleted()
    {
        var tenant = await gateway.CreateTenantAsync();
        var created = await gateway.PostAsync("/admin/v1/admin-tokens",
            new JsonObject { ["name"] = "ops", ["role"] = "workspace_admin", ["workspaces"] = new JsonArray(tenant.Workspace) });
        var id = created["id"]!.GetValue<string>();
        using var admin = AdminReads.AdminClient(gateway, created["token"]!.GetValue<string>());

        using (var logs = await admin.GetAsync($"/admin/v1/logs?workspace={tenant.Workspace}"))
        {
            Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        }
        await AdminReads.CatchUpAsync(gateway);
        var audit = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/audit?resource_type=admin_token&resource_id={id}");
        Assert.Equal("admin_token.created", Assert.Single(audit["data"]!.AsArray())!["action"]!.GetValue<string>());
        Assert.DoesNotContain(created["token"]!.GetValue<string>(), audit.ToJsonString());

        using (var deleted = await gateway.Admin.DeleteAsync($"/admin/v1/admin-tokens/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var refused = await admin.GetAsync($"/admin/v1/logs?workspace={tenant.Workspace}");
        await AnthropicError.ReadAsync(refused, HttpStatusCode.Unauthorized, "authentication_error");
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"role\":\"superuser\"}", "role")]
    [InlineData("{\"name\":\"x\",\"role\":\"analyst\"}", "workspaces")]
    [InlineData("{\"name\":\"x\",\"role\":\"org_admin\",\"workspaces\":[\"a\"]}", "workspaces")]
    [InlineData("{\"role\":\"org_admin\"}", "name")]
    public async Task A_bad_admin_token_request_is_a_clear_400(string body, string field)
    {
        using var response = await gateway.Admin.PostAsync("/admin/v1/admin-tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith($"{field}: ", error.Message);
    }

    private static StringContent JsonContent(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
