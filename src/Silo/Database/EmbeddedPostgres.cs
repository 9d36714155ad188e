using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;
    private readonly Process _process;
    private readonly ManualResetEventSlim _launcherRelease;
    private readonly IDisposable _folderLock;
    private readonly Queue<string> _recentOutput;
    private int _stopped;

    private EmbeddedPostgres(ILogger logger, Process process, ManualResetEventSlim launcherRelease, IDisposable folderLock, Queue<string> recentOutput,
        string clusterDirectory, int port, string connectionString)
    {
        _logger = logger;
        _process = process;
        _launcherRelease = launcherRelease;
        _folderLock = folderLock;
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
        var dataRoot = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataRoot);

        // One gateway per data folder: a second one must not touch the first one's server.
        var folderLock = DataFolderLock.Acquire(dataRoot);
        try
        {
            return await StartLockedAsync(options, dataRoot, folderLock, logger, cancellationToken);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    private static async Task<EmbeddedPostgres> StartLockedAsync(EmbeddedPostgresOptions options, string dataRoot, IDisposable folderLock,
        ILogger logger, CancellationToken cancellationToken)
    {
        var binaries = PostgresBinaries.Locate();
        var runAsPostgres = Posix.IsRoot;
        var password = PostgresCluster.ReadOrCreatePassword(Path.Combine(dataRoot, "postgres.secret"));
        var clusterDirectory = await PostgresCluster.ResolveDirectoryAsync(dataRoot, runAsPostgres, logger, cancellationToken);

        if (!File.Exists(Path.Combine(clusterDirectory, "PG_VERSION")))
        {
            await PostgresCluster.InitialiseAsync(binaries, clusterDirectory, password, runAsPostgres, logger, cancellationToken);
        }

        await PostgresCluster.StopOrphanAsync(clusterDirectory, logger);

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
            else
            {
                arguments.AddRange(DurableSettings());
            }

            var release = new ManualResetEventSlim();
            var process = PostgresLauncher.Launch(binaries.Postgres, arguments, runAsPostgres, release, recentOutput, logger);
            var server = new EmbeddedPostgres(logger, process, release, folderLock, recentOutput, clusterDirectory, port,
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
                await server.StopServerAsync();
            }
            catch
            {
                await server.StopServerAsync();
                throw;
            }
        }
    }

    /// <summary>Fast shutdown (SIGINT): active sessions are ended, data is flushed; escalates if it hangs.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        _folderLock.Dispose();
    }

    private async Task StopServerAsync()
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

    /// <summary>
    /// PostgreSQL's defaults are sized for a small shared machine: 128 MB of cache and a checkpoint every 1 GB of
    /// WAL, which the ledger and the request log write in well under a minute under load — and every checkpoint
    /// makes the next write of each page carry the whole page into the WAL again. An eighth of the memory (at most
    /// 1 GB) and checkpoints every 4 GB or 15 minutes keep the write volume near what the rows themselves need.
    /// </summary>
    private static string[] DurableSettings()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var sharedBuffersMb = Math.Clamp(memory / 8 / (1024 * 1024), 128, 1024);
        return
        [
            "-c", $"shared_buffers={sharedBuffersMb}MB",
            "-c", "max_wal_size=4GB",
            "-c", "checkpoint_timeout=15min",
        ];
    }

    private static string BuildConnectionString(int port, string password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = PostgresCluster.DatabaseUser,
        Password = password,
        Database = database,
    }.ConnectionString;

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
