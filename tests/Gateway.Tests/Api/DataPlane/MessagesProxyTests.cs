using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// Provider failures through the proxy: error statuses passed on, a refused credential, an unreachable or silent
/// provider, a stream that breaks.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MessagesProxyTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_mid_stream_error_event_reaches_the_client_and_is_recorded()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody("[midstream-error] go", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        var (name, data) = events[^1];
        Assert.Equal("error", name);
        Assert.Equal("overloaded_error", data["error"]!["type"]!.GetValue<string>());
        var usage = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        Assert.Equal(UsageOutcomes.ProviderError, usage.Outcome);
        Assert.Equal("overloaded_error", usage.ErrorType);
    }

    [Theory]
    [InlineData(529, "overloaded_error")]
    [InlineData(500, "api_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(400, "invalid_request_error")]
    public async Task Provider_errors_keep_their_status_and_type_with_the_gateway_request_id(int status, string type)
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody($"[status:{status}]")));

        Assert.Equal(status, (int)response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal(type, error.Type);
        Assert.Equal(Requests.RequestId(response), error.RequestId);
        if (status is 429 or 529)
        {
            // What SDKs read to decide whether and when to retry.
            Assert.Equal("7", response.Headers.RetryAfter!.ToString());
            Assert.Equal("7000", response.Headers.GetValues("retry-after-ms").Single());
            Assert.Equal("true", response.Headers.GetValues("x-should-retry").Single());
        }
    }

    [Fact]
    public async Task A_provider_that_refuses_the_gateway_credential_is_a_502_not_a_client_auth_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/providers/{tenant.Provider}",
                   JsonContent("{\"credentials\":{\"api_key\":\"sk-ant-wrong\"}}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi")));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("api_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task An_unreachable_provider_is_a_502_api_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var patch = await gateway.Admin.PatchAsync($"/admin/v1/providers/{tenant.Provider}",
                   JsonContent($"{{\"base_url\":\"http://127.0.0.1:{ClosedPort()}\"}}")))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi")));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("api_error", error.Type);
        Assert.Contains("connection refused", error.Message);
        Assert.Equal(UsageOutcomes.ProviderFailed, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
    }

    [Fact]
    public async Task A_provider_that_does_not_answer_in_time_is_a_504_timeout_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        var secret = await KeyWithTimeoutAsync(tenant, 400);

        var started = DateTime.UtcNow;
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("[hang]")));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout_error", (await AnthropicError.ReadAsync(response)).Type);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_provider_that_goes_quiet_mid_stream_ends_it_with_a_timeout_error_event()
    {
        var tenant = await gateway.CreateTenantAsync();
        var secret = await KeyWithTimeoutAsync(tenant, 400);
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(secret, Requests.MessagesBody("[hang-stream] then silence", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("timeout_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        Assert.Equal(UsageOutcomes.ProviderTimeout, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
    }

    [Fact]
    public async Task A_provider_connection_that_drops_mid_stream_ends_it_with_an_api_error_event()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(
            Requests.Messages(tenant.Secret, Requests.MessagesBody("[drop-stream] bye", stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var events = new List<(string Name, JsonObject Data)>();
        await foreach (var evt in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(evt);
        }

        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data["error"]!["type"]!.GetValue<string>());
        Assert.Equal(UsageOutcomes.ProviderFailed, (await gateway.Usage.WaitForAsync(Requests.RequestId(response))).Outcome);
    }

    private async Task<string> KeyWithTimeoutAsync(Tenant tenant, int timeoutMs)
    {
        var config = "cfg-" + Guid.NewGuid().ToString("N")[..10];
        await gateway.PostAsync("/admin/v1/configs", new JsonObject
        {
            ["slug"] = config,
            ["workspace"] = tenant.Workspace,
            ["config"] = new JsonObject
            {
                ["strategy"] = new JsonObject { ["mode"] = "single" },
                ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + tenant.Provider }),
                ["request_timeout_ms"] = timeoutMs,
            },
        });
        return (await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["config"] = config })).Secret;
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
