using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>One of the two workspaces: its tenant (workspace with a budget, provider, key), a config of its own and a logged request.</summary>
/// <param name="Own">Whether this is workspace A, the one the delegated tokens are for.</param>
public sealed record Side(Tenant Tenant, string Config, string RequestId, bool Own)
{
    /// <summary>Ids that appear in what is read about this workspace: none of B's may reach A's admins.</summary>
    public IEnumerable<string> Marks => [Tenant.Workspace, Tenant.KeyId, Config, RequestId];
}

/// <summary>Workspaces A and B, each with a budget, a key, a config and traffic; a workspace admin and an analyst of A.</summary>
public sealed class TwoWorkspaces(Side a, Side b, HttpClient workspaceAdmin, string workspaceAdminId, HttpClient analyst) : IDisposable
{
    public Side A { get; } = a;
    public Side B { get; } = b;
    public HttpClient WorkspaceAdmin { get; } = workspaceAdmin;

    /// <summary>The workspace admin's token id: the actor its changes are audited as.</summary>
    public string WorkspaceAdminId { get; } = workspaceAdminId;

    public HttpClient Analyst { get; } = analyst;

    public static async Task<TwoWorkspaces> CreateAsync(GatewayFixture gateway)
    {
        var budget = new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 50m, ["period"] = "monthly" } };
        var a = await SideAsync(gateway, budget, own: true);
        var b = await SideAsync(gateway, budget, own: false);
        await AdminReads.CatchUpAsync(gateway);
        await AdminReads.WaitForBodiesAsync(gateway, a.RequestId);
        await AdminReads.WaitForBodiesAsync(gateway, b.RequestId);
        var admin = await gateway.PostAsync("/admin/v1/admin-tokens",
            new JsonObject { ["name"] = "a's admin", ["role"] = "workspace_admin", ["workspaces"] = new JsonArray(a.Tenant.Workspace) });
        var analyst = await AdminReads.CreateTokenAsync(gateway, "analyst", a.Tenant.Workspace);
        return new TwoWorkspaces(a, b, AdminReads.AdminClient(gateway, admin["token"]!.GetValue<string>()), admin["id"]!.GetValue<string>(),
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

    public void Dispose()
    {
        WorkspaceAdmin.Dispose();
        Analyst.Dispose();
    }

    private static async Task<Side> SideAsync(GatewayFixture gateway, JsonObject workspace, bool own)
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: workspace);
        var config = (await gateway.PostAsync("/admin/v1/configs", ConfigBody(tenant, "cfg-" + tenant.Workspace)))["slug"]!.GetValue<string>();
        using var message = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hello")));
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var requestId = Requests.RequestId(message);
        await gateway.Usage.WaitForAsync(requestId);
        return new Side(tenant, config, requestId, own);
    }
}
