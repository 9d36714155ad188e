using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>Every bad request gets the SPEC status and Anthropic's error shape: never a 500, never a hang.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BadInputTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10, ", "not valid JSON")]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[]} trailing", "not valid JSON")]
    [InlineData("{\"model\": 123, \"max_tokens\": 10, \"messages\": []}", "model:")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": \"ten\", \"messages\": []}", "max_tokens:")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 1.5, \"messages\": []}", "max_tokens:")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 0, \"messages\": []}", "max_tokens:")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10, \"messages\": \"hi\"}", "messages:")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10, \"messages\": [], \"stream\": \"yes\"}", "stream:")]
    [InlineData("{\"max_tokens\": 10, \"messages\": []}", "model: Field required")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"messages\": []}", "max_tokens: Field required")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 10}", "messages: Field required")]
    [InlineData("", "empty")]
    [InlineData("{\"model\": \"claude-haiku-4-5\", \"max_tokens\": 10, \"messages\": [], \"model\": \"claude-opus-4-5\"}", "model: duplicate")]
    [InlineData("{\"model\": \"\\ud800\", \"max_tokens\": 10, \"messages\": []}", "model:")]
    public async Task Malformed_or_mistyped_bodies_are_400_invalid_request_error(string body, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();
        var before = gateway.Fake.Requests.Count;
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Contains(expected, error.Message);
        Assert.Equal(before, gateway.Fake.Requests.Count);
    }

    [Fact]
    public async Task A_50_MB_body_is_413_request_too_large_whether_its_length_is_declared_or_not()
    {
        var tenant = await gateway.CreateTenantAsync();
        var big = new byte[50 * 1024 * 1024];
        Array.Fill(big, (byte)' ');
        "{\"model\":\"claude-sonnet-4-5\""u8.CopyTo(big);

        using (var declared = Requests.Messages(tenant.Secret, ""))
        {
            declared.Content = new ByteArrayContent(big);
            declared.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await gateway.Client.SendAsync(declared);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("request_too_large", (await AnthropicError.ReadAsync(response)).Type);
            Assert.True(response.Headers.ConnectionClose);
        }

        using (var chunked = Requests.Messages(tenant.Secret, ""))
        {
            chunked.Content = new StreamContent(new MemoryStream(big));
            chunked.Headers.TransferEncodingChunked = true;
            using var response = await gateway.Client.SendAsync(chunked);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("request_too_large", (await AnthropicError.ReadAsync(response)).Type);
            Assert.True(response.Headers.ConnectionClose);
        }
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_400()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = Requests.Messages(tenant.Secret, "");
        var bytes = "{\"model\":\"claude-sonnet-4-5#\",\"max_tokens\":5,\"messages\":[]}"u8.ToArray();
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xff;
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task A_large_body_with_an_unknown_key_is_refused_before_it_is_read()
    {
        using var request = Requests.Messages("gwk_01aaaaaaaaaaaaaaaaaaaaaaaa_" + new string('0', 64), Requests.MessagesBody(new string('x', 20 * 1024 * 1024)));
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sk-ant-api03-not-a-gateway-key")]
    [InlineData("gwk_01aaaaaaaaaaaaaaaaaaaaaaaa_0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Missing_or_unknown_keys_are_401_authentication_error(string? key)
    {
        using var request = Requests.Messages("", Requests.MessagesBody("hi"));
        request.Headers.Remove("x-api-key");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task A_wrong_secret_for_a_real_key_id_is_401()
    {
        var tenant = await gateway.CreateTenantAsync();
        var tampered = tenant.Secret[..^4] + (tenant.Secret.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000");
        using var response = await gateway.Client.SendAsync(Requests.Messages(tampered, Requests.MessagesBody("hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_on_the_next_request()
    {
        var tenant = await gateway.CreateTenantAsync();
        using (var ok = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("before"))))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var revoke = await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("after")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("revoked", (await AnthropicError.ReadAsync(response)).Message);
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        var tenant = await gateway.CreateTenantAsync();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(5);
        var (_, secret) = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["expires_at"] = expiresAt.ToString("O") });
        using (var before = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("in time"))))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200));
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("late")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", (await AnthropicError.ReadAsync(response)).Message);
    }

    [Fact]
    public async Task An_unknown_model_is_404_not_found_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("hi", model: "claude-nonexistent-9")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await AnthropicError.ReadAsync(response);
        Assert.Equal("not_found_error", error.Type);
        Assert.Contains("claude-nonexistent-9", error.Message);
    }

    [Fact]
    public async Task A_model_outside_the_keys_allow_list_is_403_permission_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        var (_, secret) = await gateway.CreateKeyAsync(tenant.Workspace, new JsonObject { ["models"] = new JsonArray("claude-haiku-*") });
        using (var allowed = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("hi", model: "claude-haiku-4-5"))))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var response = await gateway.Client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("hi", model: "claude-opus-4-5")));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("permission_error", (await AnthropicError.ReadAsync(response)).Type);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"user\": 5}")]
    [InlineData("[\"a\"]")]
    public async Task A_malformed_metadata_header_is_400(string metadata)
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody("hi"));
        request.Headers.TryAddWithoutValidation("x-gateway-metadata", metadata);
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("x-gateway-metadata", (await AnthropicError.ReadAsync(response)).Message);
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here", 404)]
    [InlineData("DELETE", "/v1/messages", 405)]
    public async Task Unknown_routes_and_methods_answer_in_anthropic_shape(string method, string path, int status)
    {
        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(status, (int)response.StatusCode);
        await AnthropicError.ReadAsync(response);
    }

    [Fact]
    public async Task Cors_preflight_is_answered_for_configured_origins_only()
    {
        using var allowed = await gateway.Client.SendAsync(Preflight(GatewayFixture.AllowedOrigin));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(GatewayFixture.AllowedOrigin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-api-key", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        using var other = await gateway.Client.SendAsync(Preflight("https://evil.example.com"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));

        static HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/v1/messages");
            request.Headers.TryAddWithoutValidation("Origin", origin);
            request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
            request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "x-api-key,anthropic-version,content-type");
            return request;
        }
    }
}
