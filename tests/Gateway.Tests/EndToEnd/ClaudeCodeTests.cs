using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Claude Code (npm <c>@anthropic-ai/claude-code</c>, native binary) pointed at the gateway with a gateway key
/// completes a <c>claude -p</c> prompt, with the key as <c>ANTHROPIC_API_KEY</c> and as <c>ANTHROPIC_AUTH_TOKEN</c>.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClaudeCodeTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    [Theory]
    [InlineData("ANTHROPIC_API_KEY")]
    [InlineData("ANTHROPIC_AUTH_TOKEN")]
    public async Task Claude_code_completes_a_prompt_through_the_gateway(string keyVariable)
    {
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, stderr) = await RunAsync(keyVariable, tenant.Secret, "Say pong");

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("You said: Say pong", stdout);
        // Claude Code quietly retries without streaming when a stream misbehaves: insist on exactly one streamed call.
        var call = Assert.Single(gateway.Fake.Requests);
        Assert.Equal("/v1/messages?beta=true", call.PathAndQuery);
        Assert.True(JsonNode.Parse(call.Body)!["stream"]!.GetValue<bool>());
        Assert.StartsWith("claude-code-", call.Header("anthropic-beta"));
        Assert.Equal(gateway.Fake.ApiKey, call.Header("x-api-key"));
    }

    [Fact]
    public async Task Claude_code_completes_a_prompt_through_a_bedrock_route()
    {
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var before = clouds.Bedrock.Requests.Count;

        var (exitCode, stdout, stderr) = await RunAsync("ANTHROPIC_API_KEY", secret, "Say pong through Bedrock");

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("You said: Say pong through Bedrock", stdout);
        var call = Assert.Single(clouds.Bedrock.Requests.Skip(before));
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream", call.PathAndQuery);
        var betas = JsonNode.Parse(call.Body)!["anthropic_beta"]!.AsArray().Select(b => b!.GetValue<string>());
        Assert.Contains(betas, b => b.StartsWith("claude-code-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Claude_code_with_no_model_chosen_completes_a_prompt_through_a_budgeted_key_and_its_default_model_is_billed()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } });
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, stderr) = await RunAsync("ANTHROPIC_API_KEY", tenant.Secret, "Say pong", model: null);

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("You said: Say pong", stdout);
        var models = gateway.Fake.Requests.Select(r => JsonNode.Parse(r.Body)!["model"]!.GetValue<string>()).ToList();
        Assert.Contains("claude-opus-5-5", models);
        var spent = (await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}", spent => spent > 0))["spent_usd"]!.GetValue<decimal>();
        Assert.True(spent > 0, "the default model's answer was priced and counted against the budget");
    }

    [Theory]
    [InlineData("bedrock", "us.anthropic.claude-opus-5-5", "/model/us.anthropic.claude-opus-5-5/invoke-with-response-stream")]
    [InlineData("vertex", "claude-opus-5-5", "/publishers/anthropic/models/claude-opus-5-5:streamRawPredict")]
    [InlineData("vertex", "global.anthropic.claude-sonnet-4-6", "/publishers/anthropic/models/claude-sonnet-4-6:streamRawPredict")]
    public async Task Claude_code_with_a_clouds_model_id_completes_a_prompt_through_a_budgeted_key_on_a_cloud_route(string kind, string model, string expectedPath)
    {
        var (workspace, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        using (var budget = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/workspaces/{workspace}",
                   new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } }))
        {
            budget.EnsureSuccessStatusCode();
        }
        var fake = kind == "bedrock" ? clouds.Bedrock.Requests : clouds.Vertex.Requests;
        var before = fake.Count;

        var (exitCode, stdout, stderr) = await RunAsync("ANTHROPIC_API_KEY", secret, $"Say pong with {model}", model);

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains($"You said: Say pong with {model}", stdout);
        var calls = (kind == "bedrock" ? clouds.Bedrock.Requests : clouds.Vertex.Requests).Skip(before).ToList();
        Assert.Contains(calls, c => c.PathAndQuery.EndsWith(expectedPath, StringComparison.Ordinal));
        var spent = (await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/workspaces/{workspace}", spent => spent > 0))["spent_usd"]!.GetValue<decimal>();
        Assert.True(spent > 0, "the answer was priced and counted against the workspace's budget");
    }

    [Fact]
    public async Task Claude_code_with_a_revoked_key_fails_with_an_authentication_error()
    {
        var tenant = await gateway.CreateTenantAsync();
        (await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null)).EnsureSuccessStatusCode();
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, _) = await RunAsync("ANTHROPIC_API_KEY", tenant.Secret, "Say pong");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("API key", stdout);
        Assert.Empty(gateway.Fake.Requests);
    }

    [Fact]
    public async Task Claude_codes_session_id_lands_in_the_request_log_through_the_workspaces_metadata_headers()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: new JsonObject
        {
            ["metadata_headers"] = new JsonObject { ["x-claude-code-session-id"] = "session" },
        });
        var session = Guid.NewGuid().ToString();

        var (exitCode, stdout, stderr) = await RunAsync("ANTHROPIC_API_KEY", tenant.Secret, "Say pong in a session", arguments: ["--session-id", session]);

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        await AdminReads.CatchUpAsync(gateway);
        var logs = await AdminReads.GetAsync(gateway.Admin, $"/admin/v1/logs?key={tenant.KeyId}");
        var rows = logs["data"]!.AsArray();
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Equal(session, row!["metadata"]!["session"]?.GetValue<string>()));
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string keyVariable, string key, string prompt, string? model = Requests.Model,
        string[]? arguments = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ANTHROPIC_BASE_URL"] = gateway.BaseUrl.ToString().TrimEnd('/'),
            [keyVariable] = key,
        };
        if (model is not null)
        {
            environment["ANTHROPIC_MODEL"] = model;
            environment["ANTHROPIC_SMALL_FAST_MODEL"] = "claude-haiku-4-5";
        }
        return ClaudeCode.RunAsync(prompt, environment, arguments: arguments ?? []);
    }
}
