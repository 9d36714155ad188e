using System.Diagnostics;
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
        var claude = await ClaudeCode.LocateOrInstallAsync();
        var tenant = await gateway.CreateTenantAsync();
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, stderr) = await RunAsync(claude, keyVariable, tenant.Secret, "Say pong");

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
        var claude = await ClaudeCode.LocateOrInstallAsync();
        var (_, _, secret) = await clouds.CreateSingleAsync(gateway, "bedrock");
        var before = clouds.Bedrock.Requests.Count;

        var (exitCode, stdout, stderr) = await RunAsync(claude, "ANTHROPIC_API_KEY", secret, "Say pong through Bedrock");

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
        var claude = await ClaudeCode.LocateOrInstallAsync();
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } });
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, stderr) = await RunAsync(claude, "ANTHROPIC_API_KEY", tenant.Secret, "Say pong", model: null);

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
        var claude = await ClaudeCode.LocateOrInstallAsync();
        var (workspace, _, secret) = await clouds.CreateSingleAsync(gateway, kind);
        using (var budget = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/workspaces/{workspace}",
                   new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 5, ["period"] = "daily" } }))
        {
            budget.EnsureSuccessStatusCode();
        }
        var fake = kind == "bedrock" ? clouds.Bedrock.Requests : clouds.Vertex.Requests;
        var before = fake.Count;

        var (exitCode, stdout, stderr) = await RunAsync(claude, "ANTHROPIC_API_KEY", secret, $"Say pong with {model}", model);

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
        var claude = await ClaudeCode.LocateOrInstallAsync();
        var tenant = await gateway.CreateTenantAsync();
        (await gateway.Admin.PostAsync($"/admin/v1/keys/{tenant.KeyId}/revoke", null)).EnsureSuccessStatusCode();
        gateway.Fake.ClearRequests();

        var (exitCode, stdout, _) = await RunAsync(claude, "ANTHROPIC_API_KEY", tenant.Secret, "Say pong");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("API key", stdout);
        Assert.Empty(gateway.Fake.Requests);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string claude, string keyVariable, string key, string prompt,
        string? model = Requests.Model)
    {
        var home = Directory.CreateTempSubdirectory("claude-home-").FullName;
        var start = new ProcessStartInfo(claude)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(prompt);
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ANTHROPIC_", StringComparison.Ordinal) || k.StartsWith("CLAUDE", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }
        start.Environment["HOME"] = home;
        start.Environment["CLAUDE_CONFIG_DIR"] = Path.Combine(home, ".claude");
        start.Environment["ANTHROPIC_BASE_URL"] = gateway.BaseUrl.ToString().TrimEnd('/');
        start.Environment[keyVariable] = key;
        if (model is not null)
        {
            start.Environment["ANTHROPIC_MODEL"] = model;
            start.Environment["ANTHROPIC_SMALL_FAST_MODEL"] = "claude-haiku-4-5";
        }
        start.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        start.Environment["DISABLE_AUTOUPDATER"] = "1";
        start.Environment["DISABLE_TELEMETRY"] = "1";
        start.Environment["DISABLE_ERROR_REPORTING"] = "1";
        // A 401 is otherwise retried for minutes.
        start.Environment["CLAUDE_CODE_MAX_RETRIES"] = "0";

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"claude -p did not finish within 120 s\nstdout: {await stdout}\nstderr: {await stderr}");
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Finds Claude Code's native binary, installing the pinned npm package into the repository's .tools when absent.</summary>
public static class ClaudeCode
{
    public const string Version = "2.1.332";
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static async Task<string> LocateOrInstallAsync()
    {
        if (Environment.GetEnvironmentVariable("CLAUDE_CODE_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }
        var prefix = Path.Combine(RepositoryRoot(), ".tools", "claude-code");
        var binary = Path.Combine(prefix, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe");
        await InstallLock.WaitAsync();
        try
        {
            // A registry hiccup on a fresh machine should not fail the suite: npm is retried a few times.
            for (var attempt = 1; !IsNativeBinary(binary); attempt++)
            {
                Directory.CreateDirectory(prefix);
                var (exitCode, output) = await NpmInstallAsync(prefix);
                if (IsNativeBinary(binary))
                {
                    break;
                }
                if (attempt == 3)
                {
                    throw new InvalidOperationException($"npm install of Claude Code {Version} failed ({exitCode}) {attempt} times: {output}");
                }
                await Task.Delay(TimeSpan.FromSeconds(5 * attempt));
            }
            return binary;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int ExitCode, string Output)> NpmInstallAsync(string prefix)
    {
        var npm = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", $"@anthropic-ai/claude-code@{Version}" })
        {
            npm.ArgumentList.Add(argument);
        }
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start; Node.js and npm are needed for this test.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }

    // The package's bin/claude.exe is a small stub until its install script puts the native binary in place.
    private static bool IsNativeBinary(string path) => File.Exists(path) && new FileInfo(path).Length > 1_000_000;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }
}
