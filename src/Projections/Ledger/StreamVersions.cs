using Npgsql;

namespace Gateway.Projections.Ledger;

/// <summary>
/// Keeps the version Marten records for each of the ledger's streams (<c>mt_streams.version</c>, what
/// <c>FetchStreamStateAsync</c> reports) following the events <see cref="EventStreamWriter{T}"/> commits, off the
/// requests' path: every interval while the writers run, once more when they stop, and at start-up for the streams
/// a process that died left behind.
/// </summary>
public static class StreamVersions
{
    private const string Schema = LedgerSchema.Schema;

    /// <summary>Moves a stream's recorded version up to <c>$2</c>; never down (another process may have moved it further).</summary>
    internal static readonly string Record = $"UPDATE {Schema}.mt_streams SET version = $2, timestamp = now() WHERE id = $1 AND version < $2";

    /// <summary>
    /// Every <paramref name="interval"/> until <paramref name="writing"/> ends, then once more, records how far each
    /// cursor's stream has been committed. A failure is reported and tried again next time: the events are safe
    /// either way, only the recorded version lags.
    /// </summary>
    public static async Task FollowAsync(NpgsqlDataSource database, IReadOnlyList<StreamCursor> cursors, Task writing, TimeSpan interval,
        Action<Exception> onFailure)
    {
        var recorded = new StreamPosition?[cursors.Count];
        while (true)
        {
            var done = writing.IsCompleted;
            if (!done)
            {
                await Task.WhenAny(writing, Task.Delay(interval));
                done = writing.IsCompleted;
            }
            try
            {
                await RecordAsync(database, cursors, recorded);
            }
            catch (Exception e)
            {
                onFailure(e);
            }
            if (done)
            {
                await writing;
                return;
            }
        }
    }

    /// <summary>
    /// Moves up the recorded version of every stream whose id starts with one of <paramref name="prefixes"/> and
    /// lags its last event — what a process killed between two follow-ups leaves behind. Idempotent, safe while other
    /// processes write; one index look-up per stream.
    /// </summary>
    public static async Task RepairAsync(NpgsqlConnection connection, IEnumerable<string> prefixes, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"UPDATE {Schema}.mt_streams s SET version = last.version, timestamp = now() " +
            $"FROM {Schema}.mt_streams f CROSS JOIN LATERAL (SELECT max(e.version) AS version FROM {Schema}.mt_events e WHERE e.stream_id = f.id) last " +
            "WHERE s.id = f.id AND f.id LIKE ANY($1) AND last.version > f.version", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = prefixes.Select(p => p + ":%").ToArray() });
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RecordAsync(NpgsqlDataSource database, IReadOnlyList<StreamCursor> cursors, StreamPosition?[] recorded)
    {
        NpgsqlConnection? connection = null;
        try
        {
            for (var i = 0; i < cursors.Count; i++)
            {
                if (cursors[i].Committed is not { } position || position == recorded[i])
                {
                    continue;
                }
                connection ??= await database.OpenConnectionAsync();
                await using var command = new NpgsqlCommand(Record, connection);
                command.Parameters.Add(new NpgsqlParameter { Value = position.Stream });
                command.Parameters.Add(new NpgsqlParameter { Value = position.Version });
                await command.ExecuteNonQueryAsync();
                recorded[i] = position;
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
