using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Claude Code configured for a cloud — Bedrock mode (<c>CLAUDE_CODE_USE_BEDROCK</c>) or Vertex mode
/// (<c>CLAUDE_CODE_USE_VERTEX</c>) — pointed at the gateway's fronts with a gateway key completes a prompt, whichever
/// provider the key's route goes to, with its own default model or one named by the cloud's id.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClaudeCodeCloudModeTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    [Theory]
    [InlineData("anthropic", "AWS_BEARER_TOKEN_BEDROCK", null, "claude-opus-5-5")]
    [InlineData("vertex", "ANTHROPIC_CUSTOM_HEADERS", "global.anthropic.claude-sonnet-4-6", "claude-sonnet-4-6")]
    public async Task Claude_code_in_bedrock_mode_completes_a_prompt(string kind, string keyAs, string? model, string recordedModel)
    {
        var (workspace, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var environment = new Dictionary<string, string>
        {
            ["CLAUDE_CODE_USE_BEDROCK"] = "1",
            ["ANTHROPIC_BEDROCK_BASE_URL"] = gateway.BaseUrl + "bedrock",
            ["AWS_REGION"] = "us-east-1",
        };
        if (keyAs == "AWS_BEARER_TOKEN_BEDROCK")
        {
            // The key as a Bedrock API key: Claude Code sends it as Authorization: Bearer.
            environment["AWS_BEARER_TOKEN_BEDROCK"] = secret;
        }
        else
        {
            environment["CLAUDE_CODE_SKIP_BEDROCK_AUTH"] = "1";
            environment["ANTHROPIC_CUSTOM_HEADERS"] = "x-api-key: " + secret;
        }

        await AssertCompletesAsync(environment, workspace, "Say pong through the Bedrock front", model, recordedModel);
    }

    [Theory]
    [InlineData("anthropic", null, "claude-opus-5-5")]
    [InlineData("bedrock", "claude-opus-4-5@20251101", "claude-opus-4-5-20251101")]
    public async Task Claude_code_in_vertex_mode_completes_a_prompt(string kind, string? model, string recordedModel)
    {
        var (workspace, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        var environment = new Dictionary<string, string>
        {
            ["CLAUDE_CODE_USE_VERTEX"] = "1",
            ["ANTHROPIC_VERTEX_BASE_URL"] = gateway.BaseUrl + "vertex/v1",
            ["CLAUDE_CODE_SKIP_VERTEX_AUTH"] = "1",
            ["ANTHROPIC_VERTEX_PROJECT_ID"] = "my-project",
            ["CLOUD_ML_REGION"] = "us-east5",
            ["ANTHROPIC_CUSTOM_HEADERS"] = "x-api-key: " + secret,
        };

        await AssertCompletesAsync(environment, workspace, "Say pong through the Vertex front", model, recordedModel);
    }

    /// <summary>
    /// Claude Code, with <paramref name="model"/> (null: its own default for the cloud), answers the prompt; its requests are in
    /// the request log as the front's, the answer under the model's Anthropic id.
    /// </summary>
    private async Task AssertCompletesAsync(Dictionary<string, string> environment, string workspace, string prompt, string? model, string recordedModel)
    {
        if (model is not null)
        {
            environment["ANTHROPIC_MODEL"] = model;
        }
        var (exitCode, stdout, stderr) = await ClaudeCode.RunAsync(prompt, environment);

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("You said: " + prompt, stdout);
        var front = environment.ContainsKey("CLAUDE_CODE_USE_BEDROCK") ? "bedrock" : "vertex";
        await AdminReads.CatchUpAsync(gateway);
        var rows = await AdminReads.AllLogsAsync(gateway.Admin, $"workspace={workspace}");
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Equal(front, row["front"]!.GetValue<string>()));
        var streamed = rows.Where(row => row["stream"]!.GetValue<bool>()).ToList();
        Assert.True(streamed.Count == 1, "one streamed answer: " + string.Join(", ", rows.Select(r => r.ToJsonString())));
        Assert.Equal(200, streamed[0]["status"]!.GetValue<int>());
        Assert.Equal("completed", streamed[0]["outcome"]!.GetValue<string>());
        Assert.Equal(recordedModel, streamed[0]["model"]!.GetValue<string>());
    }
}
