using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Fronts.Bedrock;

/// <summary>
/// Bedrock-format requests (<c>/bedrock/model/{id}/…</c>) against a running gateway go through the one pipeline to any
/// provider: the model's Bedrock spelling resolves through the catalog, betas and versions reach the provider, the
/// stream leaves as checksummed event-stream frames, and each request is in the ledger, marked as Bedrock's.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BedrockFrontApiTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    private const string Profile = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    [Fact]
    public async Task An_invoke_is_served_by_an_anthropic_provider_under_the_models_anthropic_id()
    {
        var tenant = await gateway.CreateTenantAsync();
        var marker = Guid.NewGuid().ToString("N");

        using var response = await gateway.Client.SendAsync(CloudRequests.Bedrock(tenant.Secret, Profile, "invoke",
            CloudRequests.InvokeBody("Hi " + marker, betas: "context-1m-2025-08-07")));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = JsonNode.Parse(text)!;
        Assert.Equal("message", message["type"]!.GetValue<string>());
        Assert.Contains("You said: Hi " + marker, message["content"]![0]!["text"]!.GetValue<string>());
        var sent = gateway.Fake.Requests.Single(r => r.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Equal("/v1/messages", sent.PathAndQuery);
        var body = JsonNode.Parse(sent.Body)!.AsObject();
        Assert.Equal("claude-sonnet-4-5-20250929", body["model"]!.GetValue<string>());
        Assert.False(body["stream"]!.GetValue<bool>());
        Assert.False(body.ContainsKey("anthropic_version") || body.ContainsKey("anthropic_beta"));
        Assert.Equal("context-1m-2025-08-07", sent.Header("anthropic-beta"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
        Assert.Null(sent.Header("authorization"));

        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(response));
        Assert.Equal("bedrock", record!["front"]!.GetValue<string>());
        Assert.Equal("messages", record["endpoint"]!.GetValue<string>());
        Assert.Equal("claude-sonnet-4-5-20250929", record["model"]!.GetValue<string>());
        Assert.Equal(message["usage"]!["output_tokens"]!.GetValue<long>(), record["output_tokens"]!.GetValue<long>());
        await AdminReads.CatchUpAsync(gateway);
        var row = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs/{Requests.RequestId(response)}");
        Assert.Equal("bedrock", row["front"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("bedrock")]
    [InlineData("anthropic")]
    [InlineData("vertex")]
    public async Task A_streamed_invoke_arrives_as_valid_frames_carrying_the_whole_answer(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var prompt = "[words:40] Stream me " + Guid.NewGuid().ToString("N");

        using var whole = await gateway.Client.SendAsync(CloudRequests.Bedrock(secret, Profile, "invoke", CloudRequests.InvokeBody(prompt)));
        using var streamed = await gateway.Client.SendAsync(CloudRequests.Bedrock(secret, Profile, "invoke-with-response-stream",
            CloudRequests.InvokeBody(prompt)), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", streamed.Content.Headers.ContentType?.MediaType);
        var events = (await CloudRequests.ReadFramesAsync(streamed)).Select(CloudRequests.ChunkEvent).ToList();
        Assert.Equal("message_start", events[0]["type"]!.GetValue<string>());
        Assert.Equal("message_stop", events[^1]["type"]!.GetValue<string>());
        var message = JsonNode.Parse(await whole.Content.ReadAsStringAsync())!;
        Assert.Equal(message["content"]![0]!["text"]!.GetValue<string>(), CloudRequests.StreamedText(events));
        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(streamed));
        Assert.Equal("bedrock", record!["front"]!.GetValue<string>());
        Assert.True(record["stream"]!.GetValue<bool>());
        Assert.Equal("completed", record["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_error_after_the_stream_started_is_an_exception_frame()
    {
        var tenant = await gateway.CreateTenantAsync();

        using var response = await gateway.Client.SendAsync(CloudRequests.Bedrock(tenant.Secret, Profile, "invoke-with-response-stream",
            CloudRequests.InvokeBody("[midstream-error] break please")), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var frames = await CloudRequests.ReadFramesAsync(response);
        var last = frames[^1];
        Assert.Equal("exception", last.MessageType);
        Assert.Equal("serviceUnavailableException", last.ExceptionType);
        Assert.Equal("Overloaded", JsonNode.Parse(last.Payload.Span)!["message"]!.GetValue<string>());
        Assert.All(frames[..^1], f => Assert.Equal("chunk", f.EventType));
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("bedrock")]
    public async Task Count_tokens_takes_an_invoke_model_body_and_answers_input_tokens(string kind)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        const string prompt = "How many tokens is this sentence?";
        using var direct = await gateway.Client.SendAsync(Requests.Messages(secret, new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        }.ToJsonString(), "/v1/messages/count_tokens"));
        var expected = JsonNode.Parse(await direct.Content.ReadAsStringAsync())!["input_tokens"]!.GetValue<long>();
        var invokeBody = CloudRequests.InvokeBody(prompt).ToJsonString();
        var body = new JsonObject { ["input"] = new JsonObject { ["invokeModel"] = new JsonObject { ["body"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(invokeBody)) } } };

        using var response = await gateway.Client.SendAsync(CloudRequests.Bedrock(secret, "anthropic.claude-sonnet-4-5-20250929-v1:0", "count-tokens", body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new JsonObject { ["inputTokens"] = expected }.ToJsonString(), await response.Content.ReadAsStringAsync());
        var record = await LedgerQueries.RecordAsync(gateway.ConnectionString, Requests.RequestId(response));
        Assert.Equal("count_tokens", record!["endpoint"]!.GetValue<string>());
        Assert.Equal("bedrock", record["front"]!.GetValue<string>());
    }
}
