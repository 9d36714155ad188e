using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Marten.Storage;
using Npgsql;

namespace Gateway.Projections.Logs;

/// <summary>
/// One <c>request_content</c> row per <see cref="RequestContentRecorded"/> event: the full-text index over the
/// prompt's and the answer's text (PostgreSQL's <c>simple</c> configuration: every word as written, whatever the
/// language), and where the bodies are — the event itself (its sequence number), not a second copy of them.
/// </summary>
/// <remarks>
/// Indexing text is the read side's costliest step, so one daemon page is written as <see cref="ReadSchema.ContentShards"/>
/// statements on as many connections at once (each to its own table, so no two share a GIN index), while the page's
/// events are loaded only once. Those writes are outside the daemon's transaction: a page replayed after a crash
/// inserts nothing twice (the request id is the key).
/// </remarks>
public sealed class RequestContentProjection : IProjection
{
    public const string Name = "request_content";

    /// <summary>Text indexed per request, at most: half for the prompt, the rest for the answer.</summary>
    private const int MaxSearchChars = 32_000;

    private static string Insert(int shard) => $"""
        INSERT INTO {ReadSchema.ContentShard(shard)} (request_id, seq_id, workspace, created_at, expires_at, redacted, omitted, search)
        SELECT r.request_id, r.seq_id, r.workspace, r.created_at, r.expires_at, r.redacted, r.omitted, to_tsvector('simple', r.search)
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::boolean[], $7::text[], $8::text[])
            AS r(request_id, seq_id, workspace, created_at, expires_at, redacted, omitted, search)
        ON CONFLICT (request_id) DO NOTHING
        """;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var recorded = events.Where(e => e.Data is RequestContentRecorded).ToList();
        if (recorded.Count == 0)
        {
            return;
        }
        var shares = Enumerable.Range(0, ReadSchema.ContentShards)
            .Select(shard => recorded.Where(e => e.Sequence % ReadSchema.ContentShards == shard).ToList())
            .ToList();
        await Task.WhenAll(shares.Select((share, shard) =>
            share.Count == 0 ? Task.CompletedTask : WriteAsync(operations.Database, shard, share, cancellation)));
    }

    private static async Task WriteAsync(IMartenDatabase database, int shard, List<IEvent> share, CancellationToken cancellation)
    {
        var rows = share.ConvertAll(e => (RequestContentRecorded)e.Data);
        // A connection of the store's own pool, not the daemon's: the two statements run at once.
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand(Insert(shard), connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.RequestId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = share.Select(e => e.Sequence).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Workspace).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.StartedAt.ToUniversalTime()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>
        {
            TypedValue = rows.Select(r => r.ExpiresAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = rows.Select(r => r.Redacted).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Omitted).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(SearchText).ToArray() });
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>
    /// The words of the request's last user message and of the answer (text, thinking, tool input and results). Not
    /// the system prompt or the earlier turns: a conversation resends them with every turn, and indexing them again
    /// each time would make the index grow with the square of a conversation's length; each turn is found by what
    /// it added.
    /// </summary>
    public static string SearchText(RequestContentRecorded content)
    {
        var text = new StringBuilder();
        if (content.Request is { ValueKind: JsonValueKind.Object } request
            && request.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray().Reverse())
            {
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueEquals("user")
                    && message.TryGetProperty("content", out var body))
                {
                    AppendContent(text, body, MaxSearchChars / 2);
                    break;
                }
            }
        }
        if (content.Response is { ValueKind: JsonValueKind.Object } response && response.TryGetProperty("content", out var answer))
        {
            AppendContent(text, answer, MaxSearchChars);
        }
        if (text.Length <= MaxSearchChars)
        {
            return text.ToString();
        }
        // Never cut between the halves of a surrogate pair: a lone half cannot be encoded as UTF-8 for PostgreSQL,
        // and the projection would stop on it.
        return text.ToString(0, char.IsHighSurrogate(text[MaxSearchChars - 1]) ? MaxSearchChars - 1 : MaxSearchChars);
    }

    private static void AppendContent(StringBuilder text, JsonElement content, int upTo)
    {
        if (text.Length > upTo)
        {
            return;
        }
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(content.GetString()).Append('\n');
                break;
            case JsonValueKind.Array:
                foreach (var block in content.EnumerateArray())
                {
                    AppendContent(text, block, upTo);
                }
                break;
            case JsonValueKind.Object:
                foreach (var field in new[] { "text", "thinking", "content" })
                {
                    if (content.TryGetProperty(field, out var value))
                    {
                        AppendContent(text, value, upTo);
                    }
                }
                if (content.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object)
                {
                    text.Append(input.GetRawText()).Append('\n');
                }
                break;
        }
    }
}
