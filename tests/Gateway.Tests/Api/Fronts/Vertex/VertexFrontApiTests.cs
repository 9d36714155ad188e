using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Fronts.Vertex;

/// <summary>
/// Vertex-format requests (<c>/vertex/v1/projects/…/models/{model}:rawPredict</c>) against a running gateway go through
/// the one pipeline to any provider, answer in Anthropic's JSON and SSE as Vertex does, and refuse in Vertex's shapes.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class VertexFrontApiTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    private const string VertexId = "claude-sonnet-4-5@20250929";

    [Fact]
    public async Task A_raw_predict_is_served_by_a_bedrock_provider_through_its_inference_profile()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var marker = Guid.NewGuid().ToString("N");

        using var response = await gateway.Client.SendAsync(CloudRequests.Vertex(secret, VertexId, "rawPredict", CloudRequests.PredictBody("Hi " + marker)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("You said: Hi " + marker, JsonNode.Parse(text)!["content"]![0]!["text"]!.GetValue<string>());
        var sent = clouds.Bedrock.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke", sent.PathAndQuery);
        Assert.Equal("bedrock-2023-05-31", JsonNode.Parse(sent.Body)!["anthropic_version"]!.GetValue<string>());
        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(response));
        Assert.Equal("vertex", record!["front"]!.GetValue<string>());
        Assert.Equal("claude-sonnet-4-5-20250929", record["model"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("vertex")]
    public async Task A_stream_raw_predict_streams_sse_and_takes_betas_from_body_and_header(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var marker = Guid.NewGuid().ToString("N");
        var body = CloudRequests.PredictBody("Stream " + marker, stream: true);
        body["anthropic_beta"] = new JsonArray("interleaved-thinking-2025-05-14");
        using var request = CloudRequests.Vertex(secret, VertexId, "streamRawPredict", body);
        request.Headers.TryAddWithoutValidation("anthropic-beta", "context-1m-2025-08-07");

        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonObject>();
        await foreach (var (_, data) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(data);
        }
        Assert.Equal("message_stop", events[^1]["type"]!.GetValue<string>());
        Assert.Contains("Stream " + marker, CloudRequests.StreamedText(events));
        var sent = (kind == "vertex" ? clouds.Vertex.Requests : gateway.Fake.Requests).Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"], sent.Header("anthropic-beta")!.Split(',', StringSplitOptions.TrimEntries));
        Assert.False(JsonNode.Parse(sent.Body)!.AsObject().ContainsKey("anthropic_beta"));
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("vertex")]
    [InlineData("bedrock")]
    public async Task Count_tokens_reads_the_model_from_the_body(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var body = CloudRequests.PredictBody("How many tokens is this sentence?");
        body.Remove("max_tokens");
        body.Remove("stream");
        body["model"] = VertexId;
        using var direct = await gateway.Client.SendAsync(Requests.Messages(secret, new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["messages"] = body["messages"]!.DeepClone(),
        }.ToJsonString(), "/v1/messages/count_tokens"));

        using var response = await gateway.Client.SendAsync(CloudRequests.Vertex(secret, "count-tokens", "rawPredict", body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await direct.Content.ReadAsStringAsync(), await response.Content.ReadAsStringAsync());
        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(response));
        Assert.Equal("count_tokens", record!["endpoint"]!.GetValue<string>());
        Assert.Equal("vertex", record["front"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bad_key_is_unauthenticated_in_googles_shape()
    {
        using var response = await gateway.Client.SendAsync(CloudRequests.Vertex("gwk_not-a-real-key-000000000000", VertexId, "rawPredict",
            CloudRequests.PredictBody("hi")));

        var error = await AssertGoogleErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains("x-api-key", error);
    }

    [Theory]
    [InlineData("claude-nonexistent-9@20990101:rawPredict")]
    [InlineData("claude-sonnet-4-5@20250929:predict")]
    [InlineData("claude-sonnet-4-5@20250929")]
    public async Task An_unknown_model_or_method_is_not_found_in_googles_shape(string target)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "vertex");
        var colon = target.IndexOf(':');
        using var request = CloudRequests.Vertex(secret, colon < 0 ? target : target[..colon], colon < 0 ? "" : target[(colon + 1)..], CloudRequests.PredictBody("hi"));
        if (colon < 0)
        {
            request.RequestUri = new Uri(request.RequestUri!.OriginalString.TrimEnd(':'), UriKind.Relative);
        }

        using var response = await gateway.Client.SendAsync(request);

        await AssertGoogleErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task A_body_the_gateway_cannot_use_is_an_invalid_request_in_anthropics_shape()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var request = CloudRequests.Vertex(tenant.Secret, VertexId, "rawPredict", []);
        request.Content = new StringContent("{\"anthropic_version\":\"vertex-2023-10-16\",\"messages\":[]}");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Equal("max_tokens: Field required", error["error"]!["message"]!.GetValue<string>());
        Assert.Equal(Requests.RequestId(response), error["request_id"]!.GetValue<string>());
    }

    private static async Task<string> AssertGoogleErrorAsync(HttpResponseMessage response, HttpStatusCode status, string googleStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal((int)status, error["code"]!.GetValue<int>());
        Assert.Equal(googleStatus, error["status"]!.GetValue<string>());
        return error["message"]!.GetValue<string>();
    }
}
