using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace Gateway.Tests.Api.Admin;

/// <summary>What the admin API really answers is what its OpenAPI document describes: no field left out, none invented.</summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiAnswersTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Every_resource_is_answered_as_the_document_describes_it()
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;
        var tenant = await gateway.CreateTenantAsync(
            keyFields: new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "monthly" }, ["metadata"] = new JsonObject { ["team"] = "qa" } },
            workspaceFields: new JsonObject { ["rate_limits"] = new JsonObject { ["rpm"] = 100 } });
        string requestId;
        using (var message = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("describe me"))))
        {
            Assert.Equal(HttpStatusCode.OK, message.StatusCode);
            requestId = Requests.RequestId(message);
        }
        var config = "cfg-doc-" + Guid.NewGuid().ToString("N")[..8];

        await CheckAsync(document, HttpMethod.Post, "/admin/v1/configs", 201, "/admin/v1/configs", new JsonObject
        {
            ["slug"] = config,
            ["config"] = JsonNode.Parse($"{{\"strategy\":{{\"mode\":\"fallback\"}},\"targets\":[{{\"provider\":\"@{tenant.Provider}\"}}]}}"),
        });
        await CheckAsync(document, HttpMethod.Post, "/admin/v1/keys", 201, "/admin/v1/keys", new JsonObject { ["workspace"] = tenant.Workspace, ["config"] = config });
        await CheckAsync(document, HttpMethod.Post, "/admin/v1/admin-tokens", 201, "/admin/v1/admin-tokens",
            new JsonObject { ["name"] = "doc reader", ["role"] = "analyst", ["workspaces"] = new JsonArray(tenant.Workspace) });
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/workspaces/{id}", 200, $"/admin/v1/workspaces/{tenant.Workspace}");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/workspaces", 200, "/admin/v1/workspaces?limit=5");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/providers/{slug}", 200, $"/admin/v1/providers/{tenant.Provider}");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/providers", 200, "/admin/v1/providers?limit=5");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/configs", 200, "/admin/v1/configs?limit=5");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/keys/{id}", 200, $"/admin/v1/keys/{tenant.KeyId}");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/keys", 200, $"/admin/v1/keys?workspace={tenant.Workspace}");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/models", 200, "/admin/v1/models?limit=50");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/models/{name}", 200, "/admin/v1/models/claude-haiku-5-5");

        await gateway.Usage.WaitForAsync(requestId);
        await AdminReads.CatchUpAsync(gateway);
        await AdminReads.WaitForBodiesAsync(gateway, requestId);
        var month = AdminReads.CurrentMonth();
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/logs", 200, $"/admin/v1/logs?workspace={tenant.Workspace}");
        var detail = await CheckAsync(document, HttpMethod.Get, "/admin/v1/logs/{request_id}", 200, $"/admin/v1/logs/{requestId}");
        Assert.Equal(requestId, detail["request_id"]!.GetValue<string>());
        Assert.NotNull(detail["request"]);
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/spend", 200, "/admin/v1/spend?group_by=metadata.team&interval=month");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/chargeback", 200, $"/admin/v1/chargeback?month={month}&dimension=workspace");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/audit", 200, "/admin/v1/audit?resource_type=key&limit=10");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/outcomes", 200, "/admin/v1/outcomes?interval=hour");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/health", 200, "/admin/v1/health");

        // Errors are answered in the shape the document gives them.
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/workspaces/{id}", 404, "/admin/v1/workspaces/no-such-workspace");
        await CheckAsync(document, HttpMethod.Get, "/admin/v1/workspaces", 400, "/admin/v1/workspaces?limit=0");
        await CheckAsync(document, HttpMethod.Post, "/admin/v1/workspaces", 400, "/admin/v1/workspaces", new JsonObject { ["id"] = "x", ["nmae"] = "typo" });
    }

    [Fact]
    public async Task The_chargeback_csv_is_documented_beside_its_json()
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;
        var answer = OpenApiDocuments.Operation(document, "/admin/v1/chargeback", HttpMethod.Get).Responses!["200"];
        Assert.Equal(["application/json", "text/csv"], answer.Content!.Keys.Order());

        using var csv = await gateway.Admin.GetAsync($"/admin/v1/chargeback?month={AdminReads.CurrentMonth()}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Sends the request and checks the answer's status and body against the operation's documented answer.</summary>
    private async Task<JsonObject> CheckAsync(OpenApiDocument document, HttpMethod method, string route, int status, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await gateway.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{method} {path} -> {(int)response.StatusCode}: {text}");
        var json = JsonNode.Parse(text)!.AsObject();
        OpenApiDocuments.AssertDescribes(OpenApiDocuments.ResponseSchema(document, route, method, status), json, $"{method} {path}");
        return json;
    }
}
