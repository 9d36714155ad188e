using Gateway.Silo.Database;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Silo.Database;

public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-embedded-{Guid.NewGuid():N}");

    [Fact]
    public async Task Initialises_once_then_restarts_on_the_same_data_and_stops_completely()
    {
        var options = new EmbeddedPostgresOptions(_dataDirectory) { Durable = false };
        await using (var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            Assert.True(File.Exists(Path.Combine(first.ClusterDirectory, "PG_VERSION")));
            await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");
        }
        Assert.Empty(Processes.PostgresServing(_dataDirectory));

        var initialisedAt = File.GetLastWriteTimeUtc(Path.Combine(_dataDirectory, "postgres", "PG_VERSION"));
        await using (var second = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            Assert.Equal(initialisedAt, File.GetLastWriteTimeUtc(Path.Combine(second.ClusterDirectory, "PG_VERSION")));
            Assert.Equal("still here", await ScalarAsync(second.ConnectionString, "SELECT value FROM kept"));
        }
        Assert.Empty(Processes.PostgresServing(_dataDirectory));
    }

    [Fact]
    public async Task A_second_gateway_on_the_same_data_folder_is_refused_and_the_first_keeps_its_server()
    {
        var options = new EmbeddedPostgresOptions(_dataDirectory) { Durable = false };
        await using var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedPostgres.StartAsync(options, NullLogger.Instance));
        Assert.Contains("Another gateway", refused.Message);
        Assert.True(Processes.IsAlive(first.ProcessId));
        Assert.Equal(1, await ScalarAsync(first.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task A_server_left_running_on_the_folder_is_stopped_and_replaced()
    {
        var options = new EmbeddedPostgresOptions(_dataDirectory) { Durable = false };
        string cluster;
        await using (var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            cluster = first.ClusterDirectory;
        }
        // A postmaster nobody owns any more (an older build, a hand-started server) still holds the cluster.
        using var leftover = StartBarePostgres(cluster);
        Assert.True(await Processes.WaitUntilAsync(() => File.Exists(Path.Combine(cluster, "postmaster.pid")), TimeSpan.FromSeconds(20)));

        await using (var replacement = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(10)), "the leftover server was not stopped");
            Assert.Equal(1, await ScalarAsync(replacement.ConnectionString, "SELECT 1"));
        }
        Assert.Empty(Processes.PostgresServing(_dataDirectory));
    }

    private static System.Diagnostics.Process StartBarePostgres(string cluster)
    {
        var start = new System.Diagnostics.ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardError = true };
        if (Environment.UserName == "root")
        {
            foreach (var argument in new[] { "--reuid=postgres", "--regid=postgres", "--init-groups" })
            {
                start.ArgumentList.Add(argument);
            }
        }
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var free = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        foreach (var argument in new[] { "--", PostgresBinaries.Locate().Postgres, "-D", cluster, "-p", free.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" })
        {
            start.ArgumentList.Add(argument);
        }
        var process = System.Diagnostics.Process.Start(start)!;
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public async Task Connection_strings_never_use_trust_authentication()
    {
        await using var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions(_dataDirectory) { Durable = false }, NullLogger.Instance);
        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong" }.ConnectionString;
        var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(wrong, "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers under /tmp are harmless.
        }
        // A cluster kept outside the folder (as root) goes with it.
        PostgresCluster.SweepOrphans(NullLogger.Instance);
    }

    [Fact]
    public async Task A_cluster_kept_outside_an_unreachable_data_folder_is_removed_once_the_folder_is_gone()
    {
        // A folder the postgres user cannot enter (mode 700 above it, as mktemp makes): as root the cluster is sheltered.
        var closed = Directory.CreateTempSubdirectory("gateway-closed-");
        File.SetUnixFileMode(closed.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dataRoot = Path.Combine(closed.FullName, "data");
        string cluster;
        await using (var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions(dataRoot) { Durable = false }, NullLogger.Instance))
        {
            cluster = Path.GetFullPath(server.ClusterDirectory);
        }
        var sheltered = !cluster.StartsWith(Path.GetFullPath(dataRoot), StringComparison.Ordinal);
        Assert.Equal(Environment.UserName == "root", sheltered);

        closed.Delete(recursive: true);
        PostgresCluster.SweepOrphans(NullLogger.Instance);

        Assert.False(Directory.Exists(cluster), $"{cluster} outlived its data folder");
        Assert.False(File.Exists(cluster + ".owner"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
