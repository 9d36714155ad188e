using Npgsql;

namespace Gateway.Projections.Telemetry;

/// <summary>
/// How far each read-side projection is behind the event store, read from Marten's progression table: the events past
/// its mark and the age of the oldest one it has not processed yet. One index lookup per projection, however long the
/// backlog, so the metrics and the admin API's health can both ask whenever they like.
/// </summary>
public sealed class ProjectionProgress(NpgsqlDataSource database)
{
    // The first event after a projection's mark is found through the sequence index, never by scanning the backlog.
    private const string Query = $"""
        SELECT split_part(p.name, ':', 1),
               greatest(coalesce((SELECT max(seq_id) FROM {ReadSchema.Schema}.mt_events), 0) - p.last_seq_id, 0),
               coalesce(extract(epoch FROM now() - (SELECT e.timestamp FROM {ReadSchema.Schema}.mt_events e
                   WHERE e.seq_id > p.last_seq_id ORDER BY e.seq_id LIMIT 1)), 0)::float8
        FROM {ReadSchema.Schema}.mt_event_progression p
        WHERE p.name LIKE '%:%'
        ORDER BY 1
        """;

    /// <summary>Every projection that has started, by name; throws what the database throws.</summary>
    public async Task<IReadOnlyList<ProjectionBehind>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(Query);
        command.CommandTimeout = 5;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ProjectionBehind>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ProjectionBehind(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
        }
        return rows;
    }

    /// <summary>As <see cref="ReadAsync"/>; null when the database cannot be read now.</summary>
    public async Task<IReadOnlyList<ProjectionBehind>?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return null;
        }
    }
}

/// <summary>A projection's distance from the event store's head.</summary>
/// <param name="BacklogEvents">Events in the store past the projection's mark.</param>
/// <param name="LagSeconds">Age of the oldest event it has not processed yet; 0 when caught up.</param>
public sealed record ProjectionBehind(string Name, long BacklogEvents, double LagSeconds);
