using System.Diagnostics;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The official TypeScript SDKs for Bedrock (<c>@anthropic-ai/bedrock-sdk</c>, and AWS's runtime client for CountTokens)
/// and Vertex (<c>@anthropic-ai/vertex-sdk</c>), run by node against the gateway's fronts with a gateway key: a message,
/// a stream (decoded from event-stream frames by the SDK's own AWS decoder), tool use and token counts — each front
/// served by another kind of provider.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class CloudSdkTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    /// <summary>The front a client speaks, the provider the route goes to, and the model as the client names it.</summary>
    public static TheoryData<string, string, string> Routes() => new()
    {
        { "bedrock", "anthropic", "us.anthropic.claude-sonnet-4-5-20250929-v1:0" },
        { "bedrock", "vertex", "global.anthropic.claude-opus-5-5" },
        { "vertex", "bedrock", "claude-sonnet-4-5@20250929" },
        { "vertex", "anthropic", "claude-opus-5-5" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_message_and_its_stream_are_the_same_answer(string front, string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var prompt = "Tell me something " + Guid.NewGuid().ToString("N");

        var results = await CloudSdk.RunAsync(gateway, front, secret, model, prompt, "create", "stream");

        var created = Answer(results, "create");
        Assert.Contains("You said: " + prompt, Text(created));
        var streamed = Answer(results, "stream");
        Assert.Equal("message_start", streamed["events"]![0]!.GetValue<string>());
        Assert.Equal("message_stop", streamed["events"]!.AsArray()[^1]!.GetValue<string>());
        Assert.Contains("content_block_delta", streamed["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        var message = streamed["message"]!;
        Assert.Equal(Text(created), Text(message));
        Assert.Equal(created["stop_reason"]!.GetValue<string>(), message["stop_reason"]!.GetValue<string>());
        Assert.Equal(created["usage"]!["output_tokens"]!.GetValue<long>(), message["usage"]!["output_tokens"]!.GetValue<long>());
        // On the wire, the stream came the cloud's way: Bedrock's as event-stream frames the SDK decoded, Vertex's as SSE.
        var calls = results["wire"]!.AsArray()
            .Select(c => (Path: Uri.UnescapeDataString(c!["path"]!.GetValue<string>()), Type: c["content_type"]!.GetValue<string>())).ToList();
        Assert.Equal(front == "bedrock"
                ? [($"/bedrock/model/{model}/invoke", "application/json"), ($"/bedrock/model/{model}/invoke-with-response-stream", "application/vnd.amazon.eventstream")]
                : new[] { ($"/vertex/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/{model}:rawPredict", "application/json"),
                    ($"/vertex/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/{model}:streamRawPredict", "text/event-stream; charset=utf-8") },
            calls);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Tool_use_comes_back_as_a_tool_call_streamed_or_not(string front, string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);

        var results = await CloudSdk.RunAsync(gateway, front, secret, model, "[tool] What is the weather in Paris?", "tools");

        var tools = Answer(results, "tools");
        foreach (var message in new[] { tools["created"]!, tools["streamed"]!["message"]! })
        {
            Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
            var call = message["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!;
            Assert.Equal("get_weather", call["name"]!.GetValue<string>());
            Assert.Equal(System.Text.Json.JsonValueKind.Object, call["input"]!.GetValueKind());
        }
        Assert.Equal(tools["created"]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!["input"]!.ToJsonString(),
            tools["streamed"]!["message"]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!["input"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Token_counts_match_the_anthropic_apis(string front, string kind, string model)
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        const string prompt = "How many tokens are in this sentence, please?";
        using var direct = await gateway.Client.SendAsync(Requests.Messages(secret, new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        }.ToJsonString(), "/v1/messages/count_tokens"));
        var expected = JsonNode.Parse(await direct.Content.ReadAsStringAsync())!["input_tokens"]!.GetValue<long>();

        var results = await CloudSdk.RunAsync(gateway, front, secret, model, prompt, "count");

        Assert.Equal(expected, Answer(results, "count")["input_tokens"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("vertex", "claude-sonnet-4-5@20250929")]
    public async Task A_bad_key_is_an_authentication_error_in_each_sdk(string front, string model)
    {
        var results = await CloudSdk.RunAsync(gateway, front, "gwk_not-a-real-key-000000000000", model, "hi", "create", "count");

        foreach (var operation in new[] { "create", "count" })
        {
            var error = results[operation]!["error"];
            Assert.True(error is not null, $"{operation} succeeded with a bad key: {results[operation]}");
            Assert.Equal(401, error["status"]!.GetValue<int>());
        }
    }

    private static JsonNode Answer(JsonObject results, string operation)
    {
        var result = results[operation]!;
        Assert.True(result["error"] is null, $"{operation} failed: {result["error"]?.ToJsonString()}");
        return result;
    }

    private static string Text(JsonNode message) =>
        string.Concat(message["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>()));
}

/// <summary>The cloud SDKs (pinned, installed into .tools/cloud-sdks on first use) and the script that drives them.</summary>
public static class CloudSdk
{
    private static readonly string[] Packages =
    [
        "@anthropic-ai/bedrock-sdk@1.1.2",
        "@anthropic-ai/vertex-sdk@1.1.3",
        "@anthropic-ai/sdk@1.16.0",
        "@aws-sdk/client-bedrock-runtime@3.1178.0",
        "@smithy/node-http-handler@4.14.2",
    ];

    /// <summary>Runs <paramref name="operations"/> with the <paramref name="front"/>'s SDK; each one's result (or error) by name.</summary>
    public static async Task<JsonObject> RunAsync(GatewayFixture gateway, string front, string key, string model, string prompt, params string[] operations)
    {
        var tools = await NpmTools.EnsureAsync("cloud-sdks", folder => Packages.All(p => Directory.Exists(Path.Combine(folder, "node_modules", p[..p.LastIndexOf('@')]))),
            Packages);
        var start = new ProcessStartInfo("node");
        start.ArgumentList.Add(Path.Combine(NpmTools.RepositoryRoot(), "tests", "Gateway.Tests", "EndToEnd", "CloudSdks", "cloud-sdk.cjs"));
        start.ArgumentList.Add(front);
        foreach (var operation in operations)
        {
            start.ArgumentList.Add(operation);
        }
        start.Environment["NODE_PATH"] = Path.Combine(tools, "node_modules");
        start.Environment["GATEWAY_URL"] = gateway.BaseUrl.ToString().TrimEnd('/');
        start.Environment["GATEWAY_KEY"] = key;
        start.Environment["MODEL"] = model;
        start.Environment["PROMPT"] = prompt;
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, TimeSpan.FromSeconds(90));
        Assert.True(exitCode == 0, $"node exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }
}
