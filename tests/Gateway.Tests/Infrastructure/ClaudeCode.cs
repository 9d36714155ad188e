using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Claude Code's native binary (npm <c>@anthropic-ai/claude-code</c>, pinned, installed into .tools on first use), and
/// <c>claude -p</c> run in a fresh home with only the configuration a test gives it.
/// </summary>
public static class ClaudeCode
{
    public const string Version = "2.1.332";

    public static async Task<string> LocateOrInstallAsync()
    {
        if (Environment.GetEnvironmentVariable("CLAUDE_CODE_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }
        var prefix = await NpmTools.EnsureAsync("claude-code", folder => IsNativeBinary(Binary(folder)), $"@anthropic-ai/claude-code@{Version}");
        return Binary(prefix);
    }

    /// <summary>
    /// Runs <c>claude -p <paramref name="prompt"/></c> (then <paramref name="arguments"/>) with <paramref name="environment"/> and, when
    /// given, <paramref name="settings"/> as the user's <c>settings.json</c>; none of this process's Claude, Anthropic or cloud settings.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string prompt, IReadOnlyDictionary<string, string> environment,
        System.Text.Json.Nodes.JsonObject? settings = null, params string[] arguments)
    {
        var claude = await LocateOrInstallAsync();
        var home = Directory.CreateTempSubdirectory("claude-home-").FullName;
        var start = new ProcessStartInfo(claude) { WorkingDirectory = home };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(prompt);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        string[] inheritedPrefixes = ["ANTHROPIC_", "CLAUDE", "AWS_", "CLOUD_ML_", "GOOGLE_", "VERTEX_"];
        foreach (var inherited in start.Environment.Keys.Where(k => inheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            start.Environment.Remove(inherited);
        }
        start.Environment["HOME"] = home;
        start.Environment["CLAUDE_CONFIG_DIR"] = Path.Combine(home, ".claude");
        if (settings is not null)
        {
            Directory.CreateDirectory(Path.Combine(home, ".claude"));
            await File.WriteAllTextAsync(Path.Combine(home, ".claude", "settings.json"), settings.ToJsonString());
        }
        start.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        start.Environment["DISABLE_AUTOUPDATER"] = "1";
        start.Environment["DISABLE_TELEMETRY"] = "1";
        start.Environment["DISABLE_ERROR_REPORTING"] = "1";
        // A 401 is otherwise retried for minutes.
        start.Environment["CLAUDE_CODE_MAX_RETRIES"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        try
        {
            return await ChildProcess.RunAsync(start, TimeSpan.FromSeconds(120));
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
    }

    private static string Binary(string prefix) => Path.Combine(prefix, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe");

    // The package's bin/claude.exe is a small stub until its install script puts the native binary in place.
    private static bool IsNativeBinary(string path) => File.Exists(path) && new FileInfo(path).Length > 1_000_000;
}
