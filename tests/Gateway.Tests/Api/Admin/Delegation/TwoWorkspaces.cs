using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>
/// One of the two workspaces: its tenant (workspace with a budget, provider, key), a config of its own, a logged request
/// and a user signed on through the identity provider the two share.
/// </summary>
/// <param name="IdentityProvider">The identity provider's slug (org-wide: the same for both sides).</param>
/// <param name="Own">Whether this is workspace A, the one the delegated tokens are for.</param>
public sealed record Side(Tenant Tenant, string Config, string RequestId, string UserId, string IdentityProvider, bool Own)
{
    /// <summary>Ids that appear in what is read about this workspace: none of B's may reach A's admins.</summary>
    public IEnumerable<string> Marks => [Tenant.Workspace, Tenant.KeyId, Config, RequestId, UserId];
}

/// <summary>Workspaces A and B, each with a budget, a key, a config, a signed-on user and traffic; a workspace admin and an analyst of A.</summary>
public sealed class TwoWorkspaces(Side a, Side b, SignOnSetup signOn, HttpClient workspaceAdmin, string workspaceAdminId, HttpClient analyst)
    : IAsyncDisposable
{
    public Side A { get; } = a;
    public Side B { get; } = b;
    public HttpClient WorkspaceAdmin { get; } = workspaceAdmin;

    /// <summary>The workspace admin's token id: the actor its changes are audited as.</summary>
    public string WorkspaceAdminId { get; } = workspaceAdminId;

    public HttpClient Analyst { get; } = analyst;

    /// <summary>The identity provider whose group rules place one user in A and one in B.</summary>
    public SignOnSetup SignOn { get; } = signOn;

    public static async Task<TwoWorkspaces> CreateAsync(GatewayFixture gateway)
    {
        var budget = new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 50m, ["period"] = "monthly" } };
        var tenantA = await gateway.CreateTenantAsync(workspaceFields: budget);
        var tenantB = await gateway.CreateTenantAsync(workspaceFields: budget);
        var signOn = await SignOnSetup.RegisterAsync(gateway.Admin,
            [SignOnSetup.Rule("team-a", tenantA.Workspace), SignOnSetup.Rule("team-b", tenantB.Workspace)]);
        var a = await SideAsync(gateway, tenantA, signOn, "team-a", own: true);
        var b = await SideAsync(gateway, tenantB, signOn, "team-b", own: false);
        await AdminReads.CatchUpAsync(gateway);
        await AdminReads.WaitForBodiesAsync(gateway, a.RequestId);
        await AdminReads.WaitForBodiesAsync(gateway, b.RequestId);
        var admin = await gateway.PostAsync("/admin/v1/admin-tokens",
            new JsonObject { ["name"] = "a's admin", ["role"] = "workspace_admin", ["workspaces"] = new JsonArray(a.Tenant.Workspace) });
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", a.Tenant.Workspace);
        return new TwoWorkspaces(a, b, signOn, AdminReads.AdminClient(gateway, admin["token"]!.GetValue<string>()), admin["id"]!.GetValue<string>(),
            AdminReads.AdminClient(gateway, analyst));
    }

    /// <summary>A config of the side's workspace routing to its provider.</summary>
    public static async Task<string> CreateConfigAsync(GatewayFixture gateway, Side side) =>
        (await gateway.PostAsync("/admin/v1/configs", ConfigBody(side.Tenant, "cfg-" + Guid.NewGuid().ToString("N")[..10])))["slug"]!.GetValue<string>();

    public static JsonObject ConfigBody(Tenant tenant, string? slug = null)
    {
        var body = new JsonObject
        {
            ["workspace"] = tenant.Workspace,
            ["config"] = new JsonObject { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }) },
        };
        if (slug is not null)
        {
            body["slug"] = slug;
        }
        return body;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, JsonObject? body = null) => new(method, path)
    {
        Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    public async ValueTask DisposeAsync()
    {
        WorkspaceAdmin.Dispose();
        Analyst.Dispose();
        await SignOn.DisposeAsync();
    }

    private static async Task<Side> SideAsync(GatewayFixture gateway, Tenant tenant, SignOnSetup signOn, string group, bool own)
    {
        var config = (await gateway.PostAsync("/admin/v1/configs", ConfigBody(tenant, "cfg-" + tenant.Workspace)))["slug"]!.GetValue<string>();
        using var message = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hello")));
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var requestId = Requests.RequestId(message);
        await gateway.Usage.WaitForAsync(requestId);
        // The user exists once signed on: one request of theirs, placed in the workspace by the group rule.
        var email = $"{group}-{Guid.NewGuid():N}@example.com";
        using var signedOn = await gateway.Client.SendAsync(SignOnSetup.Messages(signOn.Token(email, [group])));
        Assert.Equal(HttpStatusCode.OK, signedOn.StatusCode);
        await gateway.Usage.WaitForAsync(Requests.RequestId(signedOn));
        return new Side(tenant, config, requestId, signOn.UserId(email), signOn.Slug, own);
    }
}
