using System.Net;
using Gateway.Api.Admin.Access;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>
/// Every admin endpoint, walked as a workspace admin and an analyst of workspace A (and the org admin): A's resources
/// are theirs to read (and the workspace admin's to change), B's do not exist for them, org-wide administration is refused.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DelegatedAccessTests(GatewayFixture gateway)
{
    [Fact]
    public void Every_admin_endpoint_declares_its_access_and_is_in_the_table()
    {
        var declared = AdminEndpoints();
        var table = AdminEndpointTable.Cases(gateway).ToDictionary(c => c.Endpoint, c => c.Access);

        Assert.Empty(declared.Where(e => e.Value is null).Select(e => e.Key));
        Assert.Equal(declared.Keys.Order(), table.Keys.Order());
        Assert.All(table, row => Assert.Equal((row.Key, row.Value), (row.Key, declared[row.Key]!.Value)));
    }

    [Fact]
    public async Task A_workspace_admin_and_an_analyst_of_a_reach_a_and_nothing_of_b_on_every_endpoint()
    {
        await using var world = await TwoWorkspaces.CreateAsync(gateway);
        foreach (var row in AdminEndpointTable.Cases(gateway))
        {
            foreach (var side in new[] { world.A, world.B })
            {
                await CheckAsync(row, side, world.WorkspaceAdmin, world.B, mayChange: true);
                await CheckAsync(row, side, world.Analyst, world.B, mayChange: false);
                if (!side.Own && row.Unchanged is { } unchanged)
                {
                    await unchanged(side);
                }
            }
            if (row.Kind == EndpointKind.Read)
            {
                // The org admin reads B's too: the 404s above are the delegation's, not missing data.
                using var response = await gateway.Admin.SendAsync(await row.Request(world.B));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{row} of B as the org admin: {(int)response.StatusCode}");
            }
        }
    }

    private static async Task CheckAsync(EndpointCase row, Side side, HttpClient client, Side b, bool mayChange)
    {
        using var response = await client.SendAsync(await row.Request(side));
        var text = await response.Content.ReadAsStringAsync();
        var who = $"{row} on {(side.Own ? "A" : "B")} as {(mayChange ? "A's workspace admin" : "A's analyst")}";
        switch (row.Kind)
        {
            case EndpointKind.OrgOnly:
            case EndpointKind.Manage or EndpointKind.Create when !mayChange:
                await AnthropicError.ReadAsync(response, HttpStatusCode.Forbidden, "permission_error");
                break;
            case EndpointKind.Catalog:
            case EndpointKind.List:
            case EndpointKind.Read or EndpointKind.Manage when side.Own:
                Assert.True(response.IsSuccessStatusCode, $"{who}: {(int)response.StatusCode} {text}");
                break;
            case EndpointKind.Read or EndpointKind.Manage:
                await AnthropicError.ReadAsync(response, HttpStatusCode.NotFound, "not_found_error");
                break;
            case EndpointKind.Create when side.Own:
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{who}: {(int)response.StatusCode} {text}");
                break;
            case EndpointKind.Create:
                var refused = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
                Assert.Equal($"workspace: '{side.Tenant.Workspace}' does not exist.", refused.Message);
                break;
        }
        if (row.Kind == EndpointKind.List && side.Own)
        {
            Assert.True(side.Marks.Any(text.Contains), $"{who} shows nothing of A: {text}");
        }
        if (side.Own || row.Kind is EndpointKind.List or EndpointKind.Catalog or EndpointKind.OrgOnly)
        {
            // Nothing of B in anything A's tokens read (a refusal about B may only repeat the id it was asked about).
            Assert.All(b.Marks, mark => Assert.False(text.Contains(mark, StringComparison.Ordinal), $"{who} shows {mark} of B: {text}"));
        }
    }

    /// <summary>Every endpoint under <c>/admin/v1</c> as <c>METHOD /route</c>, with the access it declares (null: none).</summary>
    private Dictionary<string, AdminAccess?> AdminEndpoints() =>
        gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetRequiredMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().HttpMethods
                .Select(method => (Name: $"{method} {e.RoutePattern.RawText!.TrimEnd('/')}", e.Metadata.GetMetadata<AdminRequirement>()?.Access)))
            .ToDictionary(e => e.Name, e => e.Access);
}
