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

    [Fact]
    public async Task Admin_tokens_are_listed_page_by_page_with_their_roles_and_never_their_values()
    {
        var tenant = await gateway.CreateTenantAsync();
        var created = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await gateway.PostAsync("/admin/v1/admin-tokens",
                new JsonObject { ["name"] = $"listed {i}", ["role"] = "analyst", ["workspaces"] = new JsonArray(tenant.Workspace) }));
        }

        var listed = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/admin-tokens?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            Assert.InRange(page["data"]!.AsArray().Count, 1, 2);
            listed.AddRange(page["data"]!.AsArray()!);
            Assert.DoesNotContain("gwa_", page.ToJsonString());
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(listed.Count, listed.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        foreach (var token in created)
        {
            var row = Assert.Single(listed, t => t!["id"]!.GetValue<string>() == token["id"]!.GetValue<string>())!;
            Assert.Equal(token["name"]!.GetValue<string>(), row["name"]!.GetValue<string>());
            Assert.Equal("analyst", row["role"]!.GetValue<string>());
            Assert.Equal(tenant.Workspace, Assert.Single(row["workspaces"]!.AsArray())!.GetValue<string>());
            Assert.Null(row["token"]);
        }
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
