using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// npm packages the end-to-end tests run (Claude Code, the cloud SDKs), installed on first use into the repository's
/// <c>.tools</c> folder with pinned versions; a registry hiccup on a fresh machine is retried rather than failing the suite.
/// </summary>
public static class NpmTools
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Installs <paramref name="packages"/> into <c>.tools/{folder}</c> unless <paramref name="installed"/> already holds there; returns the folder.</summary>
    public static async Task<string> EnsureAsync(string folder, Func<string, bool> installed, params string[] packages)
    {
        var prefix = Path.Combine(RepositoryRoot(), ".tools", folder);
        await InstallLock.WaitAsync();
        try
        {
            for (var attempt = 1; !installed(prefix); attempt++)
            {
                Directory.CreateDirectory(prefix);
                var (exitCode, output, errors) = await ChildProcess.RunAsync(Npm(prefix, packages), TimeSpan.FromMinutes(10));
                if (installed(prefix))
                {
                    break;
                }
                if (attempt == 3)
                {
                    throw new InvalidOperationException($"npm install of {string.Join(' ', packages)} failed ({exitCode}) {attempt} times: {output}{errors}");
                }
                await Task.Delay(TimeSpan.FromSeconds(5 * attempt));
            }
            return prefix;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>The folder holding Gateway.sln.</summary>
    public static string RepositoryRoot()
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

    private static ProcessStartInfo Npm(string prefix, string[] packages)
    {
        var npm = new ProcessStartInfo("npm");
        foreach (var argument in new[] { "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error" }.Concat(packages))
        {
            npm.ArgumentList.Add(argument);
        }
        return npm;
    }
}

/// <summary>Runs a program to its end, its output captured; one that outlives its time is killed and fails the test.</summary>
public static class ChildProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:F0} s\n"
                                               + $"stdout: {await stdout}\nstderr: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
