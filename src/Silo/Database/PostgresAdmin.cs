using Npgsql;

namespace Gateway.Silo.Database;

/// <summary>Server-level chores: creating the application database.</summary>
public static class PostgresAdmin
{
    /// <summary>Creates <paramref name="database"/> on the server <paramref name="connection"/> points at, unless it exists.</summary>
    public static async Task CreateDatabaseIfMissingAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another gateway process created it first.
        }
    }
}
