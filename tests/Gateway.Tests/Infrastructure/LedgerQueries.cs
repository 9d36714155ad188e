using Npgsql;

namespace Gateway.Tests.Infrastructure;

/// <summary>What the usage ledger holds, read with SQL straight from Marten's event table.</summary>
public static class LedgerQueries
{
    /// <summary>Usage events and their summed cost where <c>data -&gt;&gt; field = value</c> (e.g. key_id, workspace).</summary>
    public static async Task<(long Count, decimal Cost)> SumAsync(string connectionString, string field, string value)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(sum((data ->> 'cost_usd')::numeric), 0) FROM gateway.mt_events WHERE type = 'usage_recorded' AND data ->> '{field}' = $1",
            connection);
        command.Parameters.AddWithValue(value);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    /// <summary>The usage event of one request as stored (snake_case JSON), or null when it has none.</summary>
    public static async Task<System.Text.Json.Nodes.JsonObject?> RecordAsync(string connectionString, string requestId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data::text FROM gateway.mt_events WHERE type = 'usage_recorded' AND data ->> 'request_id' = $1", connection);
        command.Parameters.AddWithValue(requestId);
        return await command.ExecuteScalarAsync() is string json ? System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject() : null;
    }

    /// <summary>Which of the request ids have a usage event.</summary>
    public static async Task<HashSet<string>> RecordedAsync(string connectionString, IEnumerable<string> requestIds)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT data ->> 'request_id' FROM gateway.mt_events WHERE type = 'usage_recorded' AND data ->> 'request_id' = ANY($1)", connection);
        command.Parameters.AddWithValue(requestIds.ToArray());
        var found = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetString(0));
        }
        return found;
    }
}
