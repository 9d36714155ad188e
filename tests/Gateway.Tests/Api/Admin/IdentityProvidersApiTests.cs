using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin;

/// <summary>Identity providers and users through the admin API: checked input, changes, and who may see what.</summary>
[Collection(GatewayCollection.Name)]
public sealed class IdentityProvidersApiTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("""{"issuer": "ftp://idp.example", "audience": "gw"}""", "issuer: ")]
    [InlineData("""{"issuer": "https://idp.example/x?tenant=1", "audience": "gw"}""", "issuer: ")]
    [InlineData("""{"issuer": "https://idp.example/a", "audience": ""}""", "audience: ")]
    [InlineData("""{"issuer": "https://idp.example/b", "audience": "gw", "user_claim": "name"}""", "user_claim: ")]
    [InlineData("""{"issuer": "https://idp.example/c", "audience": "gw", "rules": [{"group": "g", "workspace": "no-such-workspace"}]}""", "rules[0].workspace: ")]
    [InlineData("""{"issuer": "https://idp.example/d", "audience": "gw", "rules": [{"workspace": "WS"}]}""", "rules[0].workspace: ")]
    [InlineData("""{"issuer": "https://idp.example/e", "audience": "gw", "metadata_claims": {"user": "upn"}}""", "metadata_claims: ")]
    [InlineData("""{"issuer": "https://idp.example/f", "audience": "gw", "metadata_claims": {"bad key!": "dept"}}""", "metadata: ")]
    [InlineData("""{"issuer": "https://idp.example/g", "audience": "gw", "default_workspace": "nowhere"}""", "default_workspace: ")]
    [InlineData("""{"issuer": "https://idp.example/h", "audience": "gw\u0000"}""", "audience: ")]
    [InlineData("""{"issuer": "https://idp.example/i", "audience": "gw\r\n[00:00:00 INF] forged"}""", "audience: ")]
    [InlineData("""{"issuer": "https://idp.example/j", "audience": "\udc00"}""", "audience")]
    [InlineData("""{"issuer": "https://idp.example/k", "audience": "gw", "rules": [{"group": "\ud800", "workspace": "ws"}]}""", "rules")]
    [InlineData("""{"issuer": "https://idp.example/l", "audience": "gw", "groups_claim": "g\u0000"}""", "groups_claim: ")]
    public async Task A_bad_identity_provider_is_a_400_naming_the_field(string fields, string prefix)
    {
        // Sent as written: some of these bytes (an unpaired surrogate) no JSON writer of ours would produce.
        var body = $"{{\"slug\": \"idp-{Guid.NewGuid().ToString("N")[..8]}\", {fields[1..]}";

        using var response = await gateway.Admin.PostAsync("/admin/v1/identity-providers", new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith(prefix, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', error.Message);
        await ANormalIdentityProviderIsStillRegisteredAsync();
    }

    [Theory]
    [InlineData("audience")]
    [InlineData("group")]
    public async Task An_oversized_identity_provider_field_is_a_400_naming_it(string field)
    {
        var huge = new string('a', 5_000);
        var body = new JsonObject
        {
            ["slug"] = "idp-" + Guid.NewGuid().ToString("N")[..8],
            ["issuer"] = $"https://idp.example/{Guid.NewGuid():N}",
            ["audience"] = field == "audience" ? huge : "gw",
            ["rules"] = new JsonArray(new JsonObject { ["group"] = field == "group" ? huge : "g", ["workspace"] = (await gateway.CreateTenantAsync()).Workspace }),
        };

        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/identity-providers", body);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        await ANormalIdentityProviderIsStillRegisteredAsync();
    }

    private async Task ANormalIdentityProviderIsStillRegisteredAsync()
    {
        var slug = "idp-" + Guid.NewGuid().ToString("N")[..8];
        await gateway.PostAsync("/admin/v1/identity-providers", new JsonObject
        {
            ["slug"] = slug,
            ["issuer"] = $"https://{slug}.example",
            ["audience"] = "gw",
            ["default_workspace"] = (await gateway.CreateTenantAsync()).Workspace,
        });
        Assert.Equal(slug, (await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/identity-providers/{slug}"))["slug"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_identity_provider_is_created_changed_listed_and_deleted_and_its_issuer_is_its_own()
    {
        var tenant = await gateway.CreateTenantAsync();
        var slug = "idp-" + Guid.NewGuid().ToString("N")[..8];
        var issuer = $"https://{slug}.example";
        var created = await gateway.PostAsync("/admin/v1/identity-providers", new JsonObject
        {
            ["slug"] = slug,
            ["issuer"] = issuer,
            ["audience"] = "gw",
            ["rules"] = new JsonArray(SignOnSetup.Rule("eng", tenant.Workspace)),
        });
        Assert.Equal(("sub", "groups", null), (created["user_claim"]!.GetValue<string>(), created["groups_claim"]!.GetValue<string>(),
            created["default_workspace"]?.GetValue<string>()));

        using (var twin = await gateway.Admin.PostAsJsonAsync("/admin/v1/identity-providers",
            new JsonObject { ["slug"] = slug + "-twin", ["issuer"] = issuer, ["audience"] = "gw" }))
        {
            await AnthropicError.ReadAsync(twin, HttpStatusCode.Conflict, "invalid_request_error");
        }
        using (var patch = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/identity-providers/{slug}",
            new JsonObject { ["user_claim"] = "email", ["default_workspace"] = tenant.Workspace }))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        var read = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/identity-providers/{slug}");
        Assert.Equal(("email", tenant.Workspace, "eng"), (read["user_claim"]!.GetValue<string>(), read["default_workspace"]!.GetValue<string>(),
            read["rules"]![0]!["group"]!.GetValue<string>()));
        var listed = await AdminReads.GetAsync(gateway.Admin, "/admin/v1/identity-providers?limit=1000");
        Assert.Contains(listed["data"]!.AsArray(), p => p!["slug"]!.GetValue<string>() == slug);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Admin.DeleteAsync($"/admin/v1/identity-providers/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Admin.GetAsync($"/admin/v1/identity-providers/{slug}")).StatusCode);
    }

    [Fact]
    public async Task Workspace_admins_may_not_touch_identity_providers_and_manage_only_their_workspaces_users()
    {
        var tenant = await gateway.CreateTenantAsync();
        var other = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin,
            [SignOnSetup.Rule("team", tenant.Workspace), SignOnSetup.Rule("others", other.Workspace)]);
        foreach (var (email, group) in new[] { ("kim@corp.example", "team"), ("lee@corp.example", "others") })
        {
            using var served = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token(email, [group])));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        using var workspaceAdmin = AdminReads.AdminClient(gateway, await AdminReads.CreateTokenAsync(gateway, "workspace_admin", tenant.Workspace));

        using (var providers = await workspaceAdmin.GetAsync("/admin/v1/identity-providers"))
        {
            await AnthropicError.ReadAsync(providers, HttpStatusCode.Forbidden, "permission_error");
        }
        var users = await AdminReads.GetAsync(workspaceAdmin, $"/admin/v1/users?workspace={tenant.Workspace}");
        Assert.Equal(signOn.UserId("kim@corp.example"), Assert.Single(users["data"]!.AsArray())!["id"]!.GetValue<string>());
        // Another workspace's users do not exist for this admin: an empty list, a 404 for one of them.
        Assert.Empty((await AdminReads.GetAsync(workspaceAdmin, $"/admin/v1/users?workspace={other.Workspace}"))["data"]!.AsArray());
        using (var block = await workspaceAdmin.PostAsync($"/admin/v1/users/{signOn.UserId("lee@corp.example")}/block", null))
        {
            await AnthropicError.ReadAsync(block, HttpStatusCode.NotFound, "not_found_error");
        }
        using (var block = await workspaceAdmin.PostAsync($"/admin/v1/users/{signOn.UserId("kim@corp.example")}/block", null))
        {
            Assert.Equal(HttpStatusCode.OK, block.StatusCode);
        }
        Assert.True((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{signOn.UserId("kim@corp.example")}"))["blocked"]!.GetValue<bool>());
        Assert.False((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{signOn.UserId("lee@corp.example")}"))["blocked"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Admin.GetAsync("/admin/v1/users/usr_000000000000000000000000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Admin.PostAsync("/admin/v1/users/not-a-user/block", null)).StatusCode);
    }
}
