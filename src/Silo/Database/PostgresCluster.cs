using System.Diagnostics;
using System.Security.Cryptography;

namespace Gateway.Silo.Database;

/// <summary>
/// The embedded server's files: where the cluster lives, its one-time initdb, its password, and a server left
/// running on it by an earlier process.
/// </summary>
internal static class PostgresCluster
{
    public const string SystemUser = "postgres";

    /// <summary>Where clusters live whose data folder the postgres user cannot enter (see <see cref="ResolveDirectoryAsync"/>).</summary>
    public const string Shelter = "/var/lib/gateway";
    private const string OwnerSuffix = ".owner";
    public const string DatabaseUser = "gateway";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public static async Task<string> ResolveDirectoryAsync(string dataRoot, bool runAsPostgres, ILogger logger, CancellationToken cancellationToken)
    {
        var preferred = Path.Combine(dataRoot, "postgres");
        if (!runAsPostgres || await CanPostgresUserEnterAsync(dataRoot, cancellationToken))
        {
            if (runAsPostgres)
            {
                // The postgres user must be able to enter the data folder we (root) created.
                File.SetUnixFileMode(dataRoot, File.GetUnixFileMode(dataRoot) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
            }
            return preferred;
        }

        // An ancestor (typically /root, mode 700) keeps the postgres user out. Rather than loosen its
        // permissions, keep the cluster where that user can reach it and leave a link in the data folder.
        // Its life is tied to the data folder: an owner file names the folder, and a cluster whose folder is gone is
        // removed by the next start (of any gateway on this machine).
        SweepOrphans(logger);
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataRoot)))[..12];
        var reachable = Path.Combine(Shelter, $"postgres-{hash}");
        Directory.CreateDirectory(Shelter);
        await File.WriteAllTextAsync(reachable + OwnerSuffix, dataRoot, cancellationToken);
        if (!Path.Exists(preferred))
        {
            File.CreateSymbolicLink(preferred, reachable);
        }
        logger.LogWarning("The postgres user cannot enter {DataRoot}; the embedded cluster lives in {Cluster} (linked from {Link})",
            dataRoot, reachable, preferred);
        return reachable;
    }

    /// <summary>
    /// Removes the sheltered clusters whose data folder no longer exists and on which no server runs; returns how many.
    /// (Clusters made before owner files existed carry none and are left alone.)
    /// </summary>
    public static int SweepOrphans(ILogger logger)
    {
        if (!Directory.Exists(Shelter))
        {
            return 0;
        }
        var removed = 0;
        foreach (var owner in Directory.EnumerateFiles(Shelter, "postgres-*" + OwnerSuffix))
        {
            var cluster = owner[..^OwnerSuffix.Length];
            try
            {
                var dataRoot = File.ReadAllText(owner).Trim();
                if (dataRoot.Length == 0 || Directory.Exists(dataRoot) || RunningServer(cluster) is not null)
                {
                    continue;
                }
                foreach (var folder in new[] { cluster, cluster + ".init" }.Where(Directory.Exists))
                {
                    Directory.Delete(folder, recursive: true);
                }
                File.Delete(owner);
                removed++;
                logger.LogInformation("Removed the embedded cluster {Cluster}: its data folder {DataRoot} is gone", cluster, dataRoot);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Could not remove the orphaned embedded cluster {Cluster}", cluster);
            }
        }
        return removed;
    }

    private static async Task<bool> CanPostgresUserEnterAsync(string directory, CancellationToken cancellationToken)
    {
        File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        var result = await RunAsync("setpriv", [$"--reuid={SystemUser}", $"--regid={SystemUser}", "--init-groups", "--", "test", "-x", directory], cancellationToken);
        return result.ExitCode == 0;
    }

    public static async Task InitialiseAsync(PostgresBinaries binaries, string clusterDirectory, string password,
        bool runAsPostgres, ILogger logger, CancellationToken cancellationToken)
    {
        // initdb into a side folder and rename, so an interrupted first start never leaves a half-made cluster.
        var staging = clusterDirectory + ".init";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
        Directory.CreateDirectory(staging);
        var passwordFile = Path.Combine(staging, "initdb.pw");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (runAsPostgres)
        {
            await ChownToPostgresAsync(staging, cancellationToken);
        }

        var clusterFiles = Path.Combine(staging, "cluster");
        var arguments = new List<string>();
        if (runAsPostgres)
        {
            arguments.AddRange([$"--reuid={SystemUser}", $"--regid={SystemUser}", "--init-groups"]);
        }
        arguments.AddRange(["--", binaries.InitDb, "-D", clusterFiles, "-U", DatabaseUser, $"--pwfile={passwordFile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-instructions"]);

        logger.LogInformation("Initialising the embedded PostgreSQL cluster in {Cluster}", clusterDirectory);
        var result = await RunAsync("setpriv", arguments, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed with exit code {result.ExitCode}:{Environment.NewLine}{result.Output}");
        }

        File.Delete(passwordFile);
        Directory.Move(clusterFiles, clusterDirectory);
        Directory.Delete(staging, recursive: true);
    }

    /// <summary>The pid of a PostgreSQL server running on the cluster, or null.</summary>
    private static int? RunningServer(string clusterDirectory)
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }
        string[] lines;
        try
        {
            lines = File.ReadLines(pidFile).Take(2).ToArray();
        }
        catch (IOException)
        {
            return null;
        }
        // Line 1 is the postmaster's pid, line 2 its data directory: a reused pid belongs to another program.
        return lines.Length >= 2 && int.TryParse(lines[0], out var pid) && Posix.IsAlive(pid) && IsPostgres(pid)
               && Path.GetFullPath(lines[1]) == Path.GetFullPath(clusterDirectory)
            ? pid
            : null;
    }

    public static async Task StopOrphanAsync(string clusterDirectory, ILogger logger)
    {
        // A gateway killed without its parent-death signal reaching the server (or an older build) can leave a
        // postmaster holding this cluster. Stop it so this process owns the server's lifetime.
        if (RunningServer(clusterDirectory) is not { } pid)
        {
            return;
        }

        logger.LogWarning("Stopping a PostgreSQL server ({Pid}) left running on {Cluster}", pid, clusterDirectory);
        Posix.Signal(pid, Posix.SIGINT);
        var waited = Stopwatch.StartNew();
        while (Posix.IsAlive(pid) && waited.Elapsed < StopTimeout)
        {
            await Task.Delay(100);
        }
        if (Posix.IsAlive(pid))
        {
            Posix.Signal(pid, Posix.SIGKILL);
            await Task.Delay(500);
        }
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return command is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task ChownToPostgresAsync(string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync("chown", ["-R", $"{SystemUser}:{SystemUser}", path], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not give {path} to the {SystemUser} user: {result.Output}");
        }
    }

    public static string ReadOrCreatePassword(string path) => SecretFile.ReadOrCreate(path,
        () => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));

    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
