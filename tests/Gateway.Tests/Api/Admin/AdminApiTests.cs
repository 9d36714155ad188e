using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Npgsql;

namespace Gateway.Tests.Api.Admin;

/// <summary>The admin token, workspaces end to end, request validation and the audit trail.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AdminApiTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    public async Task Admin_endpoints_require_the_admin_token(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task A_gateway_key_is_not_an_admin_token()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + tenant.Secret);
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Workspaces_are_created_listed_read_updated_and_deleted()
    {
        var id = "ws-crud-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.PostAsync("/admin/v1/workspaces", new JsonObject
        {
            ["id"] = id,
            ["name"] = "Finance",
            ["metadata"] = new JsonObject { ["cost_center"] = "cc-7" },
        });
        Assert.Equal(id, created["id"]!.GetValue<string>());
        Assert.Equal("cc-7", created["metadata"]!["cost_center"]!.GetValue<string>());

        Assert.Contains(await ListAllAsync("/admin/v1/workspaces?limit=2"), w => w["id"]!.GetValue<string>() == id);
        var read = await gateway.Admin.GetFromJsonAsync<JsonObject>($"/admin/v1/workspaces/{id}");
        Assert.Equal("Finance", read!["name"]!.GetValue<string>());

        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/workspaces/{id}", Json("{\"name\":\"Finance EMEA\"}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
            Assert.Equal("Finance EMEA", (await patch.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>());
        }

        using (var duplicate = await gateway.Admin.PostAsJsonAsync("/admin/v1/workspaces", new { id }))
        {
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
            await AnthropicError.ReadAsync(duplicate);
        }

        using (var delete = await gateway.Admin.DeleteAsync($"/admin/v1/workspaces/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        using var gone = await gateway.Admin.GetAsync($"/admin/v1/workspaces/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("not_found_error", (await AnthropicError.ReadAsync(gone)).Type);
    }

    [Theory]
    [InlineData("{\"id\":\"Bad Id!\"}", "id:")]
    [InlineData("{\"name\":\"no id\"}", "id:")]
    [InlineData("{\"id\":\"ok-id\",\"nmae\":\"typo\"}", "nmae: unknown field")]
    [InlineData("{\"id\":5}", "id: wrong type")]
    [InlineData("{\"id\":\"ok-id\",\"budget\":{\"limit_usd\":10,\"period\":\"yearly\"}}", "budget.period:")]
    [InlineData("{\"id\":\"ok-id\",\"budget\":{\"limit_usd\":-1,\"period\":\"daily\"}}", "budget.limit_usd:")]
    [InlineData("{\"id\":\"ok-id\",\"budget\":{\"limit_usd\":1,\"period\":\"daily\",\"alert_at\":[1.5]}}", "budget.alert_at:")]
    [InlineData("{\"id\":\"ok-id\",\"rate_limits\":{\"rpm\":0}}", "rate_limits:")]
    [InlineData("{\"id\":\"ok-id\",\"rate_limits\":{\"rps\":5}}", "rate_limits")]
    [InlineData("{\"id\":", "not valid JSON")]
    public async Task Invalid_workspace_requests_are_400_with_the_field_named(string body, string expected)
    {
        using var response = await gateway.Admin.PostAsync("/admin/v1/workspaces", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task An_admin_body_over_the_limit_is_413_even_without_a_declared_length()
    {
        var big = "{\"id\":\"big\",\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/workspaces")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await gateway.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Theory]
    [InlineData("{\"slug\":\"x1\",\"kind\":\"anthropic\",\"credentials\":{}}", "credentials.api_key")]
    [InlineData("{\"slug\":\"x2\",\"kind\":\"openai\",\"credentials\":{\"api_key\":\"k\"}}", "kind:")]
    [InlineData("{\"slug\":\"x3\",\"kind\":\"anthropic\",\"base_url\":\"ftp://x\",\"credentials\":{\"api_key\":\"k\"}}", "base_url:")]
    [InlineData("{\"slug\":\"x4\",\"kind\":\"anthropic\"}", "credentials:")]
    public async Task Invalid_providers_are_400(string body, string expected)
    {
        using var response = await gateway.Admin.PostAsync("/admin/v1/providers", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await AnthropicError.ReadAsync(response)).Message);
    }

    [Fact]
    public async Task A_workspace_default_config_routes_its_keys_and_deleting_the_workspace_revokes_them()
    {
        var tenant = await gateway.CreateTenantAsync();
        // Used once first, so the key has already resolved its workspace and route when the workspace changes.
        using (var before = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("before"))))
        {
            Assert.Equal(Requests.Model, (await gateway.Usage.WaitForAsync(Requests.RequestId(before))).Model);
        }
        var slug = "cfg-ws-" + Guid.NewGuid().ToString("N")[..8];
        await gateway.PostAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = slug,
            ["config"] = JsonNode.Parse($"{{\"targets\":[{{\"provider\":\"@{tenant.Provider}\",\"override_params\":{{\"model\":\"claude-haiku-4-5\"}}}}]}}"),
        });
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/workspaces/{tenant.Workspace}", Json($"{{\"default_config\":\"{slug}\"}}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using (var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("route me"))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("claude-haiku-4-5", (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Model);
        }

        using (var delete = await gateway.Admin.DeleteAsync($"/admin/v1/workspaces/{tenant.Workspace}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        var key = await gateway.Admin.GetFromJsonAsync<JsonObject>($"/admin/v1/keys/{tenant.KeyId}");
        Assert.Equal("revoked", key!["status"]!.GetValue<string>());
        using var refused = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("after")));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Admin_actions_are_recorded_as_marten_events()
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data::text FROM gateway.mt_events WHERE stream_id = $1 ORDER BY seq_id", connection);
        command.Parameters.AddWithValue("key:" + tenant.KeyId);
        var events = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add(reader.GetString(0));
            }
        }
        var created = JsonNode.Parse(Assert.Single(events))!;
        Assert.Equal("key.created", created["action"]!.GetValue<string>());
        Assert.Equal("env", created["actor"]!.GetValue<string>());
        Assert.DoesNotContain(tenant.Secret, events[0]);
    }

    private async Task<List<JsonObject>> ListAllAsync(string path)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var separator = path.Contains('?') ? '&' : '?';
            var page = await gateway.Admin.GetFromJsonAsync<JsonObject>(cursor is null ? path : $"{path}{separator}cursor={cursor}");
            items.AddRange(page!["data"]!.AsArray().Select(i => i!.AsObject()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return items;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
