using Gateway.Silo.Database;
using Gateway.Silo.Hosting;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run: the one named by <c>ConnectionStrings__Gateway</c> when set,
/// else a throwaway embedded server under /tmp (stopped when the test process exits). Each fixture gets a
/// fresh database on it.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static EmbeddedPostgres? _embedded;
    private static string? _dataDirectory;

    /// <summary>A connection string to a new, empty database.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var server = await Server.Value;
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await PostgresAdmin.CreateDatabaseIfMissingAsync(connection, name, CancellationToken.None);
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Migrates a database as a starting gateway process does (its own document store, every schema); a test calls
    /// it again to act as the next process.
    /// </summary>
    public static async Task MigrateAsync(string connectionString)
    {
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString));
        await GatewayHost.MigrateAsync(store, connectionString, NullLogger.Instance, CancellationToken.None);
    }

    /// <summary>The server's maintenance connection string.</summary>
    public static Task<string> ServerAsync() => Server.Value;

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("ConnectionStrings__Gateway") is { Length: > 0 } configured)
        {
            return configured;
        }
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-tests-{Guid.NewGuid():N}");
        _embedded = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions(_dataDirectory) { Durable = false, MaxConnections = 500 }, NullLogger.Instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            _embedded.Stop();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: /tmp is cleaned by the system anyway.
            }
        };
        return _embedded.ConnectionString;
    }
}
