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
    public async Task A_server_left_behind_on_the_folder_is_stopped_and_replaced()
    {
        var options = new EmbeddedPostgresOptions(_dataDirectory) { Durable = false };
        var orphan = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance);
        var orphanPid = orphan.ProcessId;

        // A second start on the same folder (as after a gateway that died without stopping its server).
        await using (var replacement = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance))
        {
            Assert.False(Processes.IsAlive(orphanPid));
            Assert.NotEqual(orphanPid, replacement.ProcessId);
            Assert.Equal(1, await ScalarAsync(replacement.ConnectionString, "SELECT 1"));
        }
        await orphan.DisposeAsync();
        Assert.Empty(Processes.PostgresServing(_dataDirectory));
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
