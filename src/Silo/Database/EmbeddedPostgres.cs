using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.Silo.Database;

/// <summary>
/// A PostgreSQL server the gateway runs itself when no connection string is configured: one cluster
/// under the data folder, initialised once, started on a free loopback port, stopped on dispose.
/// </summary>
/// <remarks>
/// The server runs in its own session (so a terminal's Ctrl+C reaches only the gateway, which stops the
/// database after Orleans has left the cluster) and with a parent-death signal bound to a thread that lives
/// as long as this object, so even a SIGKILLed gateway leaves no server behind. As root it runs as the
/// <c>postgres</c> user, because PostgreSQL refuses to run as root.
/// </remarks>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string SystemUser = "postgres";
    private const string DatabaseUser = "gateway";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;
    private readonly Process _process;
    private readonly ManualResetEventSlim _launcherRelease;
    private readonly Queue<string> _recentOutput;
    private int _stopped;

    private EmbeddedPostgres(ILogger logger, Process process, ManualResetEventSlim launcherRelease, Queue<string> recentOutput,
        string clusterDirectory, int port, string connectionString)
    {
        _logger = logger;
        _process = process;
        _launcherRelease = launcherRelease;
        _recentOutput = recentOutput;
        ClusterDirectory = clusterDirectory;
        Port = port;
        ConnectionString = connectionString;
    }

    /// <summary>Where the PostgreSQL cluster's files are.</summary>
    public string ClusterDirectory { get; }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Connection string to the application database on this server.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's process id (the postmaster).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Initialises the cluster when it does not exist yet, starts it and creates the database.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.Locate();
        var dataRoot = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataRoot);
        var runAsPostgres = Posix.IsRoot;

        var password = ReadOrCreatePassword(Path.Combine(dataRoot, "postgres.secret"));
        var clusterDirectory = await ResolveClusterDirectoryAsync(dataRoot, runAsPostgres, logger, cancellationToken);

        if (!File.Exists(Path.Combine(clusterDirectory, "PG_VERSION")))
        {
            await InitialiseClusterAsync(binaries, clusterDirectory, password, runAsPostgres, logger, cancellationToken);
        }

        await StopOrphanAsync(clusterDirectory, logger);

        var recentOutput = new Queue<string>();
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var arguments = new List<string>
            {
                "-D", clusterDirectory,
                "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",
                "-c", $"max_connections={options.MaxConnections}",
            };
            if (!options.Durable)
            {
                // Throwaway test servers trade crash safety of the database files for speed.
                arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
            }

            var release = new ManualResetEventSlim();
            var process = Launch(binaries.Postgres, arguments, runAsPostgres, release, recentOutput, logger);
            var server = new EmbeddedPostgres(logger, process, release, recentOutput, clusterDirectory, port,
                BuildConnectionString(port, password, options.Database));
            try
            {
                await server.WaitUntilAcceptingAsync(password, cancellationToken);
                await server.EnsureDatabaseAsync(password, options.Database, cancellationToken);
                logger.LogInformation("Embedded PostgreSQL {Pid} serves {Cluster} on 127.0.0.1:{Port}", process.Id, clusterDirectory, port);
                return server;
            }
            catch (PortTakenException) when (attempt < 3)
            {
                // Another program took the port between probing and binding; try a new one.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Fast shutdown (SIGINT): active sessions are ended, data is flushed; escalates if it hangs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                Posix.Signal(_process.Id, Posix.SIGINT);
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _logger.LogWarning("Embedded PostgreSQL {Pid} did not stop within {Timeout}; killing it", _process.Id, StopTimeout);
                    Posix.Signal(_process.Id, Posix.SIGQUIT);
                    if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
                    {
                        Posix.Signal(_process.Id, Posix.SIGKILL);
                        _process.WaitForExit(TimeSpan.FromSeconds(5));
                    }
                }
            }
            _logger.LogInformation("Embedded PostgreSQL stopped");
        }
        finally
        {
            _launcherRelease.Set();
            _process.Dispose();
        }
    }

    /// <summary>Synchronous stop for process-exit handlers, where awaiting is not possible.</summary>
    public void Stop() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static Process Launch(string postgres, IReadOnlyList<string> arguments, bool runAsPostgres,
        ManualResetEventSlim release, Queue<string> recentOutput, ILogger logger)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("setpriv");
        if (runAsPostgres)
        {
            start.ArgumentList.Add($"--reuid={SystemUser}");
            start.ArgumentList.Add($"--regid={SystemUser}");
            start.ArgumentList.Add("--init-groups");
        }
        // SIGINT is PostgreSQL's fast shutdown; the postmaster installs its own handler for it.
        start.ArgumentList.Add("--pdeathsig=INT");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(postgres);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The parent-death signal fires when the *thread* that forked the server ends, so the fork happens on a
        // thread that lives until this server is disposed (or the process dies).
        Process? process = null;
        Exception? failure = null;
        using var started = new ManualResetEventSlim();
        var launcher = new Thread(() =>
        {
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("PostgreSQL did not start.");
            }
            catch (Exception e)
            {
                failure = e;
            }
            started.Set();
            if (failure is null)
            {
                release.Wait();
            }
        })
        {
            IsBackground = true,
            Name = "embedded-postgres-launcher",
        };
        launcher.Start();
        started.Wait();
        if (failure is not null)
        {
            throw new InvalidOperationException($"Could not start PostgreSQL ({postgres}): {failure.Message}", failure);
        }

        void Capture(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            lock (recentOutput)
            {
                recentOutput.Enqueue(e.Data);
                if (recentOutput.Count > 40)
                {
                    recentOutput.Dequeue();
                }
            }
            logger.LogDebug("postgres: {Line}", e.Data);
        }

        process!.OutputDataReceived += Capture;
        process.ErrorDataReceived += Capture;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilAcceptingAsync(string password, CancellationToken cancellationToken)
    {
        var probe = BuildConnectionString(Port, password, "postgres");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                var output = RecentOutput();
                if (output.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new PortTakenException();
                }
                throw new InvalidOperationException(
                    $"Embedded PostgreSQL exited with code {_process.ExitCode} while starting. Its last output:{Environment.NewLine}{output}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or SocketException)
            {
                if (deadline.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"Embedded PostgreSQL did not accept connections within {StartTimeout}. Its last output:{Environment.NewLine}{RecentOutput()}", e);
                }
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private async Task EnsureDatabaseAsync(string password, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(BuildConnectionString(Port, password, "postgres"));
        await connection.OpenAsync(cancellationToken);
        await PostgresAdmin.CreateDatabaseIfMissingAsync(connection, database, cancellationToken);
    }

    private string RecentOutput()
    {
        lock (_recentOutput)
        {
            return string.Join(Environment.NewLine, _recentOutput);
        }
    }

    private static async Task<string> ResolveClusterDirectoryAsync(string dataRoot, bool runAsPostgres, ILogger logger, CancellationToken cancellationToken)
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
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataRoot)))[..12];
        var reachable = Path.Combine("/var/lib/gateway", $"postgres-{hash}");
        Directory.CreateDirectory("/var/lib/gateway");
        if (!Path.Exists(preferred))
        {
            File.CreateSymbolicLink(preferred, reachable);
        }
        logger.LogWarning("The postgres user cannot enter {DataRoot}; the embedded cluster lives in {Cluster} (linked from {Link})",
            dataRoot, reachable, preferred);
        return reachable;
    }

    private static async Task<bool> CanPostgresUserEnterAsync(string directory, CancellationToken cancellationToken)
    {
        File.SetUnixFileMode(directory, File.GetUnixFileMode(directory) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        var result = await RunAsync("setpriv", [$"--reuid={SystemUser}", $"--regid={SystemUser}", "--init-groups", "--", "test", "-x", directory], cancellationToken);
        return result.ExitCode == 0;
    }

    private static async Task InitialiseClusterAsync(PostgresBinaries binaries, string clusterDirectory, string password,
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

    private static async Task StopOrphanAsync(string clusterDirectory, ILogger logger)
    {
        // A gateway killed without its parent-death signal reaching the server (or an older build) can leave a
        // postmaster holding this cluster. Stop it so this process owns the server's lifetime.
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(pidFile).FirstOrDefault();
        }
        catch (IOException)
        {
            return;
        }
        if (!int.TryParse(firstLine, out var pid) || !Posix.IsAlive(pid) || !IsPostgres(pid))
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

    private static string ReadOrCreatePassword(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(path, password);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return password;
    }

    private static string BuildConnectionString(int port, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = DatabaseUser,
        Password = password,
        Database = database,
    }.ConnectionString;

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
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

    private sealed class PortTakenException : Exception;
}

/// <summary>How an embedded PostgreSQL server is laid out and tuned.</summary>
/// <param name="DataDirectory">The gateway's data folder; the cluster lives in its <c>postgres</c> subfolder.</param>
public sealed record EmbeddedPostgresOptions(string DataDirectory)
{
    /// <summary>The application database created on the server.</summary>
    public string Database { get; init; } = "gateway";

    /// <summary>False for throwaway test servers: fsync and synchronous commit are turned off.</summary>
    public bool Durable { get; init; } = true;

    public int MaxConnections { get; init; } = 300;
}
