using Npgsql;

namespace Gateway.Silo.Database;

/// <summary>
/// Creates or migrates the gateway's own SQL (the Orleans schema) at start. Numbered scripts run once each,
/// in order, recorded in <c>orleans.gateway_migrations</c>; the Orleans query rows are re-applied every time.
/// A PostgreSQL advisory lock serialises gateway processes that start together (their concurrent DDL would
/// otherwise collide), Marten's schema changes included.
/// </summary>
public static class DatabaseMigrator
{
    public const string OrleansSchema = "orleans";
    private const long MigrationLock = 0x6761_7465_7761_7901; // "gateway" + 1
    private const string QueriesScript = "orleans_queries.sql";

    /// <param name="alsoUnderLock">More schema work (Marten's) to run while the lock is held.</param>
    public static async Task MigrateAsync(string connectionString, ILogger logger, Func<CancellationToken, Task>? alsoUnderLock = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLock})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE SCHEMA IF NOT EXISTS {OrleansSchema};
                CREATE TABLE IF NOT EXISTS {OrleansSchema}.gateway_migrations (
                    id text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now());
                """, cancellationToken);

            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var read = new NpgsqlCommand($"SELECT id FROM {OrleansSchema}.gateway_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetString(0));
                }
            }

            foreach (var (name, sql) in Scripts().Where(s => s.Name != QueriesScript && !applied.Contains(s.Name)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
                await using var record = new NpgsqlCommand($"INSERT INTO {OrleansSchema}.gateway_migrations (id) VALUES ($1)", connection, transaction);
                record.Parameters.AddWithValue(name);
                await record.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied database migration {Migration}", name);
            }

            var queries = Scripts().Single(s => s.Name == QueriesScript).Sql;
            await ExecuteAsync(connection, null, queries, cancellationToken);

            if (alsoUnderLock is not null)
            {
                await alsoUnderLock(cancellationToken);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None);
        }
    }

    /// <summary>The Orleans providers find their tables through the search path.</summary>
    public static string OrleansConnectionString(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = OrleansSchema }.ConnectionString;

    private static IEnumerable<(string Name, string Sql)> Scripts()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "Gateway.Silo.Database.Sql.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (resource[prefix.Length..], reader.ReadToEnd());
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        // No timeout: waiting for the lock lasts as long as another process's migration, which may build an index
        // over a large table.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
