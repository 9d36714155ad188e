using System.Text.Json.Nodes;
using Gateway.Api.Admin.Access;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>What an endpoint is, for a workspace admin and an analyst of workspace A.</summary>
public enum EndpointKind
{
    /// <summary>Refused to both (403) whatever it names.</summary>
    OrgOnly,

    /// <summary>Readable by both, not any workspace's (the model catalog).</summary>
    Catalog,

    /// <summary>A read of one resource: A's is 200, B's 404.</summary>
    Read,

    /// <summary>A list or report: 200 with A's rows and nothing of B's, even when it names B.</summary>
    List,

    /// <summary>A change to one resource: the workspace admin changes A's (2xx), B's is 404 and stays as it was; analysts 403.</summary>
    Manage,

    /// <summary>A new resource in a workspace: the workspace admin's in A is 201, in B a 400 as for a missing workspace; analysts 403.</summary>
    Create,
}

/// <summary>One admin endpoint: how to call it about a side's resources, and (for changes) that B's stayed as it was.</summary>
public sealed record EndpointCase(string Endpoint, EndpointKind Kind, Func<Side, Task<HttpRequestMessage>> Request, Func<Side, Task>? Unchanged = null)
{
    /// <summary>The access the endpoint must declare for this row's expectations.</summary>
    public AdminAccess Access => Kind switch
    {
        EndpointKind.OrgOnly => AdminAccess.OrgAdmin,
        EndpointKind.Catalog => AdminAccess.AnyAdmin,
        EndpointKind.Read or EndpointKind.List => AdminAccess.WorkspaceRead,
        _ => AdminAccess.WorkspaceManage,
    };

    public override string ToString() => Endpoint;
}

/// <summary>Every admin endpoint (<c>METHOD /route</c> as routing has it) with a call about A's or B's resources.</summary>
public static class AdminEndpointTable
{
    public static IReadOnlyList<EndpointCase> Cases(GatewayFixture gateway)
    {
        static Task<HttpRequestMessage> Call(HttpMethod method, string path, JsonObject? body = null) =>
            Task.FromResult(TwoWorkspaces.Request(method, path, body));
        // A destructive change acts on a fresh resource of A; on B's own ones, which must survive it.
        async Task<string> KeyOf(Side side) => side.Own ? (await gateway.CreateKeyAsync(side.Tenant.Workspace)).Id : side.Tenant.KeyId;
        async Task<string> ConfigOf(Side side) => side.Own ? await TwoWorkspaces.CreateConfigAsync(gateway, side) : side.Config;
        async Task KeyActive(Side side)
        {
            var key = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/keys/{side.Tenant.KeyId}");
            Assert.Equal("active", key["status"]!.GetValue<string>());
            Assert.Null(key["rotated_at"]);
            Assert.Equal("test key", key["name"]!.GetValue<string>());
        }
        async Task UserNotBlocked(Side side) =>
            Assert.False((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{side.UserId}"))["blocked"]!.GetValue<bool>());
        var provider = new JsonObject { ["kind"] = "anthropic", ["base_url"] = "http://127.0.0.1:9/", ["credentials"] = new JsonObject { ["api_key"] = "x" } };
        var model = new JsonObject { ["id"] = "delegation-model", ["prices"] = new JsonObject { ["input"] = 1, ["output"] = 1 } };
        return
        [
            new("POST /admin/v1/workspaces", EndpointKind.OrgOnly, s => Call(HttpMethod.Post, "/admin/v1/workspaces", new JsonObject { ["id"] = "ws-by-" + Guid.NewGuid().ToString("N")[..8] })),
            new("GET /admin/v1/workspaces", EndpointKind.List, s => Call(HttpMethod.Get, "/admin/v1/workspaces?limit=1000")),
            new("GET /admin/v1/workspaces/{id}", EndpointKind.Read, s => Call(HttpMethod.Get, $"/admin/v1/workspaces/{s.Tenant.Workspace}")),
            new("PATCH /admin/v1/workspaces/{id}", EndpointKind.Manage,
                s => Call(HttpMethod.Patch, $"/admin/v1/workspaces/{s.Tenant.Workspace}", new JsonObject
                {
                    ["budget"] = new JsonObject { ["limit_usd"] = 7m, ["period"] = "daily" },
                    ["logging"] = new JsonObject { ["mode"] = "metadata_only" },
                    ["default_config"] = s.Config,
                }),
                async s =>
                {
                    var workspace = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/workspaces/{s.Tenant.Workspace}");
                    Assert.Equal(50m, workspace["budget"]!["limit_usd"]!.GetValue<decimal>());
                    Assert.Null(workspace["default_config"]);
                }),
            new("DELETE /admin/v1/workspaces/{id}", EndpointKind.OrgOnly, s => Call(HttpMethod.Delete, $"/admin/v1/workspaces/{s.Tenant.Workspace}")),

            new("POST /admin/v1/providers", EndpointKind.OrgOnly, s => Call(HttpMethod.Post, "/admin/v1/providers", provider.DeepClone().AsObject().Also("slug", "p-by-" + Guid.NewGuid().ToString("N")[..8]))),
            new("GET /admin/v1/providers", EndpointKind.OrgOnly, s => Call(HttpMethod.Get, "/admin/v1/providers")),
            new("GET /admin/v1/providers/{slug}", EndpointKind.OrgOnly, s => Call(HttpMethod.Get, $"/admin/v1/providers/{s.Tenant.Provider}")),
            new("PATCH /admin/v1/providers/{slug}", EndpointKind.OrgOnly, s => Call(HttpMethod.Patch, $"/admin/v1/providers/{s.Tenant.Provider}", new JsonObject { ["base_url"] = "http://127.0.0.1:9/" })),
            new("DELETE /admin/v1/providers/{slug}", EndpointKind.OrgOnly, s => Call(HttpMethod.Delete, $"/admin/v1/providers/{s.Tenant.Provider}")),

            new("POST /admin/v1/configs", EndpointKind.Create, s => Call(HttpMethod.Post, "/admin/v1/configs", TwoWorkspaces.ConfigBody(s.Tenant, "cfg-" + Guid.NewGuid().ToString("N")[..10]))),
            new("GET /admin/v1/configs", EndpointKind.List, s => Call(HttpMethod.Get, "/admin/v1/configs?limit=1000")),
            new("GET /admin/v1/configs/{slug}", EndpointKind.Read, s => Call(HttpMethod.Get, $"/admin/v1/configs/{s.Config}")),
            new("PUT /admin/v1/configs/{slug}", EndpointKind.Manage,
                async s => TwoWorkspaces.Request(HttpMethod.Put, $"/admin/v1/configs/{await ConfigOf(s)}",
                    TwoWorkspaces.ConfigBody(s.Tenant).Also("config", JsonNode.Parse($"{{\"strategy\":{{\"mode\":\"fallback\"}},\"targets\":[{{\"provider\":\"@{s.Tenant.Provider}\"}}]}}"))),
                async s => Assert.Null((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{s.Config}"))["config"]!["strategy"])),
            new("DELETE /admin/v1/configs/{slug}", EndpointKind.Manage, async s => TwoWorkspaces.Request(HttpMethod.Delete, $"/admin/v1/configs/{await ConfigOf(s)}"),
                async s => await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/configs/{s.Config}")),

            new("POST /admin/v1/keys", EndpointKind.Create, s => Call(HttpMethod.Post, "/admin/v1/keys", new JsonObject { ["workspace"] = s.Tenant.Workspace, ["config"] = s.Config })),
            new("GET /admin/v1/keys", EndpointKind.List, s => Call(HttpMethod.Get, $"/admin/v1/keys?workspace={s.Tenant.Workspace}")),
            new("GET /admin/v1/keys/{id}", EndpointKind.Read, s => Call(HttpMethod.Get, $"/admin/v1/keys/{s.Tenant.KeyId}")),
            new("PATCH /admin/v1/keys/{id}", EndpointKind.Manage, s => Call(HttpMethod.Patch, $"/admin/v1/keys/{s.Tenant.KeyId}", new JsonObject { ["name"] = "renamed" }),
                KeyActive),
            new("POST /admin/v1/keys/{id}/revoke", EndpointKind.Manage, async s => TwoWorkspaces.Request(HttpMethod.Post, $"/admin/v1/keys/{await KeyOf(s)}/revoke"), KeyActive),
            new("POST /admin/v1/keys/{id}/rotate", EndpointKind.Manage,
                async s => TwoWorkspaces.Request(HttpMethod.Post, $"/admin/v1/keys/{await KeyOf(s)}/rotate", new JsonObject { ["grace_seconds"] = 60 }), KeyActive),

            new("GET /admin/v1/users", EndpointKind.List, s => Call(HttpMethod.Get, $"/admin/v1/users?workspace={s.Tenant.Workspace}")),
            new("GET /admin/v1/users/{id}", EndpointKind.Read, s => Call(HttpMethod.Get, $"/admin/v1/users/{s.UserId}")),
            new("PATCH /admin/v1/users/{id}", EndpointKind.Manage,
                s => Call(HttpMethod.Patch, $"/admin/v1/users/{s.UserId}", new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 1m, ["period"] = "daily" } }),
                async s => Assert.Null((await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/users/{s.UserId}"))["own_budget"])),
            new("POST /admin/v1/users/{id}/block", EndpointKind.Manage, s => Call(HttpMethod.Post, $"/admin/v1/users/{s.UserId}/block"), UserNotBlocked),
            new("POST /admin/v1/users/{id}/unblock", EndpointKind.Manage, s => Call(HttpMethod.Post, $"/admin/v1/users/{s.UserId}/unblock"), UserNotBlocked),

            new("POST /admin/v1/identity-providers", EndpointKind.OrgOnly, s => Call(HttpMethod.Post, "/admin/v1/identity-providers", new JsonObject
            {
                ["slug"] = "idp-by-" + Guid.NewGuid().ToString("N")[..8], ["issuer"] = "https://login.example.com/", ["audience"] = "x",
                ["default_workspace"] = s.Tenant.Workspace,
            })),
            new("GET /admin/v1/identity-providers", EndpointKind.OrgOnly, s => Call(HttpMethod.Get, "/admin/v1/identity-providers")),
            new("GET /admin/v1/identity-providers/{slug}", EndpointKind.OrgOnly, s => Call(HttpMethod.Get, $"/admin/v1/identity-providers/{s.IdentityProvider}")),
            new("PATCH /admin/v1/identity-providers/{slug}", EndpointKind.OrgOnly,
                s => Call(HttpMethod.Patch, $"/admin/v1/identity-providers/{s.IdentityProvider}", new JsonObject { ["default_workspace"] = s.Tenant.Workspace })),
            new("DELETE /admin/v1/identity-providers/{slug}", EndpointKind.OrgOnly, s => Call(HttpMethod.Delete, $"/admin/v1/identity-providers/{s.IdentityProvider}")),

            new("GET /admin/v1/models", EndpointKind.Catalog, s => Call(HttpMethod.Get, "/admin/v1/models")),
            new("POST /admin/v1/models", EndpointKind.OrgOnly, s => Call(HttpMethod.Post, "/admin/v1/models", model)),
            new("GET /admin/v1/models/{**name}", EndpointKind.Catalog, s => Call(HttpMethod.Get, "/admin/v1/models/claude-haiku-5-5")),
            new("PATCH /admin/v1/models/{**name}", EndpointKind.OrgOnly, s => Call(HttpMethod.Patch, "/admin/v1/models/claude-haiku-5-5", new JsonObject { ["max_output_tokens"] = 1 })),
            new("DELETE /admin/v1/models/{**name}", EndpointKind.OrgOnly, s => Call(HttpMethod.Delete, "/admin/v1/models/claude-haiku-5-5")),

            new("POST /admin/v1/admin-tokens", EndpointKind.OrgOnly,
                s => Call(HttpMethod.Post, "/admin/v1/admin-tokens", new JsonObject { ["name"] = "x", ["role"] = "analyst", ["workspaces"] = new JsonArray(s.Tenant.Workspace) })),
            new("GET /admin/v1/admin-tokens", EndpointKind.OrgOnly, s => Call(HttpMethod.Get, "/admin/v1/admin-tokens")),
            new("DELETE /admin/v1/admin-tokens/{id}", EndpointKind.OrgOnly, s => Call(HttpMethod.Delete, "/admin/v1/admin-tokens/env")),

            new("GET /admin/v1/audit", EndpointKind.List, s => Call(HttpMethod.Get, "/admin/v1/audit?limit=1000")),
            new("GET /admin/v1/logs", EndpointKind.List, s => Call(HttpMethod.Get, $"/admin/v1/logs?workspace={s.Tenant.Workspace}")),
            new("GET /admin/v1/logs/{request_id}", EndpointKind.Read, s => Call(HttpMethod.Get, $"/admin/v1/logs/{s.RequestId}")),
            new("GET /admin/v1/spend", EndpointKind.List, s => Call(HttpMethod.Get, "/admin/v1/spend?group_by=workspace")),
            new("GET /admin/v1/chargeback", EndpointKind.List, s => Call(HttpMethod.Get, $"/admin/v1/chargeback?month={AdminReads.CurrentMonth()}")),
            new("GET /admin/v1/outcomes", EndpointKind.List, s => Call(HttpMethod.Get, "/admin/v1/outcomes?interval=day")),
            new("GET /admin/v1/health", EndpointKind.Catalog, s => Call(HttpMethod.Get, "/admin/v1/health")),
        ];
    }

    private static JsonObject Also(this JsonObject body, string name, JsonNode? value)
    {
        body[name] = value;
        return body;
    }
}
