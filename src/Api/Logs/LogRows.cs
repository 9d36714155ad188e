using System.Collections.Immutable;
using System.Text.Json;
using Npgsql;

namespace Gateway.Api.Logs;

/// <summary>Reads <c>request_log</c> rows.</summary>
internal static class LogRows
{
    public const string Columns = "request_id, created_at, endpoint, workspace, key_id, model, provider, status, outcome, stream, " +
        "error_type, error_message, stop_reason, cost_usd, price_version, price_missing, input_tokens, output_tokens, " +
        "cache_creation_input_tokens, cache_read_input_tokens, latency_ms, time_to_first_byte_ms, metadata::text, " +
        "web_search_requests, web_fetch_requests, code_execution_requests";

    public const int ColumnCount = 26;

    /// <summary><see cref="Columns"/> of the table aliased <paramref name="alias"/>.</summary>
    public static string Qualified(string alias) =>
        string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    public static async Task<List<LogRow>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<LogRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    /// <summary>The row at the reader's position (the first <see cref="ColumnCount"/> columns).</summary>
    public static LogRow Read(NpgsqlDataReader reader) =>
        new(
        reader.GetString(0),
        new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero),
        reader.GetString(2),
        Text(reader, 3),
        Text(reader, 4),
        Text(reader, 5),
        Text(reader, 6),
        reader.GetInt32(7),
        reader.GetString(8),
        reader.GetBoolean(9),
        Text(reader, 10),
        Text(reader, 11),
        Text(reader, 12),
        reader.IsDBNull(13) ? null : reader.GetDecimal(13),
        Text(reader, 14),
        reader.GetBoolean(15),
        reader.GetInt64(16),
        reader.GetInt64(17),
        reader.GetInt64(18),
        reader.GetInt64(19),
        reader.GetDouble(20),
        reader.IsDBNull(21) ? null : reader.GetDouble(21),
        JsonSerializer.Deserialize<ImmutableDictionary<string, string>>(reader.GetString(22)) ?? ImmutableDictionary<string, string>.Empty,
        new LogServerToolUse(reader.GetInt64(23), reader.GetInt64(24), reader.GetInt64(25)));

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
