using Npgsql;

namespace Gateway.Projections.Logs;

/// <summary>Reads the request log: filtered pages, and one request with its bodies.</summary>
public sealed class RequestLogQueries(NpgsqlDataSource database)
{
    public async Task<LogPage> ListAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        await using var command = new LogSearch(filter).ToCommand(database);
        var rows = await RequestLogTable.Table.ReadAllAsync(command, cancellationToken);
        var hasMore = rows.Count > filter.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new LogPage(rows, hasMore ? LogCursor.Encode(rows[^1]) : null);
    }

    /// <summary>A logged request with its bodies (null when the log has no such request yet).</summary>
    public async Task<LogDetail?> FindAsync(string requestId, CancellationToken cancellationToken)
    {
        var table = RequestLogTable.Table;
        await using var command = database.CreateCommand(
            $"SELECT {table.Select("l")}, (e.data -> 'request')::text, (e.data -> 'response')::text, coalesce(c.redacted, false), " +
            $"c.omitted, c.expires_at " +
            $"FROM {ReadSchema.RequestLog} l " +
            $"LEFT JOIN {ReadSchema.RequestContent} c ON c.request_id = l.request_id " +
            // The bodies stay in their event; the projection only knows where it is.
            $"LEFT JOIN {ReadSchema.Schema}.mt_events e ON e.seq_id = c.seq_id WHERE l.request_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var first = table.Columns.Count;
        return new LogDetail(
            table.Read(reader),
            Text(reader, first),
            Text(reader, first + 1),
            reader.GetBoolean(first + 2),
            Text(reader, first + 3),
            reader.IsDBNull(first + 4) ? null : reader.GetFieldValue<DateTimeOffset>(first + 4));
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>A logged request and what is kept of its bodies.</summary>
/// <param name="RequestJson">The request body as JSON text; null when not logged, redacted away or expired.</param>
/// <param name="ResponseJson">The answer as JSON text (a stream's events gathered into one message).</param>
/// <param name="Redacted">Whether the bodies were redacted before they were stored.</param>
/// <param name="BodiesOmitted">Why the bodies were not stored, when they were not.</param>
/// <param name="BodiesExpireAt">When retention removes the bodies.</param>
public sealed record LogDetail(RequestLogRow Row, string? RequestJson, string? ResponseJson, bool Redacted, string? BodiesOmitted,
    DateTimeOffset? BodiesExpireAt);
