using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Fronts.Bedrock;

/// <summary>Refusals on the Bedrock front reach clients the way Bedrock answers: the status, <c>x-amzn-ErrorType</c> and <c>{"message"}</c>.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BedrockFrontErrorTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    private const string Profile = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    [Theory]
    [InlineData("Bearer gwk_not-a-real-key-000000000000")]
    [InlineData("Bearer ")]
    [InlineData(null)]
    public async Task A_bad_or_missing_key_is_refused_as_an_unrecognized_client(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/bedrock/model/{Profile}/invoke")
        {
            Content = new StringContent(CloudRequests.InvokeBody("hi").ToJsonString()),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", authorization);
        }

        using var response = await gateway.Client.SendAsync(request);

        await AssertBedrockErrorAsync(response, HttpStatusCode.Unauthorized, "UnrecognizedClientException");
    }

    [Fact]
    public async Task The_key_in_x_api_key_works_too_and_a_revoked_one_is_refused()
    {
        var tenant = await gateway.CreateTenantAsync();
        HttpRequestMessage Invoke()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/bedrock/model/{Profile}/invoke") { Content = new StringContent(CloudRequests.InvokeBody("hi").ToJsonString()) };
            request.Headers.TryAddWithoutValidation("x-api-key", tenant.Secret);
            return request;
        }

        using (var answered = await gateway.Client.SendAsync(Invoke()))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        (await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null)).EnsureSuccessStatusCode();
        using var refused = await gateway.Client.SendAsync(Invoke());

        await AssertBedrockErrorAsync(refused, HttpStatusCode.Unauthorized, "UnrecognizedClientException");
        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(refused));
        Assert.Equal("refused", record!["outcome"]!.GetValue<string>());
        Assert.Equal("bedrock", record["front"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_model_off_the_keys_allow_list_is_access_denied_and_an_unknown_one_not_found()
    {
        var allowed = await gateway.CreateTenantAsync(new JsonObject { ["models"] = new JsonArray("claude-haiku-4-5") });
        var (_, _, bedrockKey) = await clouds.CreateSingleAsync(gateway, "bedrock");

        using var denied = await gateway.Client.SendAsync(CloudRequests.Bedrock(allowed.Secret, Profile, "invoke", CloudRequests.InvokeBody("hi")));
        using var unknown = await gateway.Client.SendAsync(CloudRequests.Bedrock(bedrockKey, "us.anthropic.claude-nonexistent-9", "invoke", CloudRequests.InvokeBody("hi")));

        await AssertBedrockErrorAsync(denied, HttpStatusCode.Forbidden, "AccessDeniedException");
        await AssertBedrockErrorAsync(unknown, HttpStatusCode.NotFound, "ResourceNotFoundException");
    }

    [Theory]
    [InlineData("{\"max_tokens\":5,\"messages\":[", "not valid JSON")]
    [InlineData("{\"anthropic_version\":\"bedrock-2023-05-31\",\"messages\":[]}", "max_tokens: Field required")]
    [InlineData("{\"max_tokens\":5,\"messages\":[],\"anthropic_beta\":[\"x\\ny\"]}", "anthropic_beta")]
    public async Task A_body_the_gateway_cannot_use_is_a_validation_exception(string body, string expected)
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = CloudRequests.Bedrock(tenant.Secret, Profile, "invoke-with-response-stream", []);
        request.Content = new StringContent(body);

        using var response = await gateway.Client.SendAsync(request);

        var message = await AssertBedrockErrorAsync(response, HttpStatusCode.BadRequest, "ValidationException");
        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task A_provider_refusal_before_the_stream_starts_is_an_error_answer_not_a_stream()
    {
        var tenant = await gateway.CreateTenantAsync();

        using var response = await gateway.Client.SendAsync(CloudRequests.Bedrock(tenant.Secret, Profile, "invoke-with-response-stream",
            CloudRequests.InvokeBody("[status:529] busy")));

        await AssertBedrockErrorAsync(response, (HttpStatusCode)529, "ServiceUnavailableException");
    }

    [Theory]
    [InlineData("GET", "/bedrock/model/" + Profile + "/invoke")]
    [InlineData("POST", "/bedrock/model/" + Profile + "/converse")]
    [InlineData("POST", "/bedrock/anything")]
    public async Task An_operation_the_front_does_not_serve_is_not_found_in_bedrocks_shape(string method, string path)
    {
        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertBedrockErrorAsync(response, HttpStatusCode.NotFound, "ResourceNotFoundException");
    }

    private static async Task<string> AssertBedrockErrorAsync(HttpResponseMessage response, HttpStatusCode status, string exception)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(exception, response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal(Requests.RequestId(response), response.Headers.GetValues("x-amzn-RequestId").Single());
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["message"], body.Select(p => p.Key));
        return body["message"]!.GetValue<string>();
    }
}
