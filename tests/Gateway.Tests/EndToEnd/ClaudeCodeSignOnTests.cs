using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Claude Code signed on with an identity provider's JWT, as <c>ANTHROPIC_AUTH_TOKEN</c> and printed by an
/// <c>apiKeyHelper</c> command (sent as both <c>x-api-key</c> and <c>Authorization: Bearer</c>): served and attributed to the user.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClaudeCodeSignOnTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("ANTHROPIC_AUTH_TOKEN")]
    [InlineData("apiKeyHelper")]
    public async Task Claude_code_completes_a_prompt_signed_on_with_a_jwt(string how)
    {
        var tenant = await gateway.CreateTenantAsync();
        await using var signOn = await SignOnSetup.RegisterAsync(gateway.Admin, [SignOnSetup.Rule("developers", tenant.Workspace)]);
        var email = $"dev-{how.ToLowerInvariant()}@corp.example";
        var token = signOn.Token(email, ["developers"], department: "platform");
        var environment = new Dictionary<string, string>
        {
            ["ANTHROPIC_BASE_URL"] = gateway.BaseUrl.ToString().TrimEnd('/'),
            ["ANTHROPIC_MODEL"] = Requests.Model,
            ["ANTHROPIC_SMALL_FAST_MODEL"] = "claude-haiku-4-5",
        };
        JsonObject? settings = null;
        using var helperFolder = new TempFolder();
        if (how == "apiKeyHelper")
        {
            var tokenFile = Path.Combine(helperFolder.Path, "token");
            await File.WriteAllTextAsync(tokenFile, token);
            settings = new JsonObject { ["apiKeyHelper"] = $"cat '{tokenFile}'" };
        }
        else
        {
            environment["ANTHROPIC_AUTH_TOKEN"] = token;
        }

        var (exitCode, stdout, stderr) = await ClaudeCode.RunAsync($"Say pong as {email}", environment, settings);

        Assert.True(exitCode == 0, $"claude exited with {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains($"You said: Say pong as {email}", stdout);
        var record = await gateway.Usage.WaitForAsync(r => r.UserId == signOn.UserId(email) && r.Status == 200);
        Assert.Equal((tenant.Workspace, email, "platform"), (record.Workspace, record.Metadata["user"], record.Metadata["department"]));
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("claude-helper-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
