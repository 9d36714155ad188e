using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Logs;

/// <summary>
/// One <c>request_content</c> row per <see cref="RequestContentRecorded"/> event: the bodies a log entry shows, and
/// the full-text index over the prompt's and the answer's text (PostgreSQL's <c>simple</c> configuration: every
/// word as written, whatever the language).
/// </summary>
public sealed class RequestContentProjection : IProjection
{
    public const string Name = "request_content";

    /// <summary>Text indexed per request, at most (a tsvector holds up to 1 MB).</summary>
    private const int MaxSearchChars = 200_000;

    private static readonly string Insert = $"""
        INSERT INTO {ReadSchema.RequestContent} (request_id, workspace, created_at, expires_at, redacted, request, response, omitted, search)
        SELECT r.request_id, r.workspace, r.created_at, r.expires_at, r.redacted, r.request::jsonb, r.response::jsonb, r.omitted,
               to_tsvector('simple', r.search)
        FROM unnest(^::text[], ^::text[], ^::timestamptz[], ^::timestamptz[], ^::boolean[], ^::text[], ^::text[], ^::text[], ^::text[])
            AS r(request_id, workspace, created_at, expires_at, redacted, request, response, omitted, search)
        ON CONFLICT (request_id) DO NOTHING
        """;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Select(e => e.Data).OfType<RequestContentRecorded>().ToList();
        if (rows.Count > 0)
        {
            operations.QueueSqlCommand('^', Insert,
                rows.Select(r => r.RequestId).ToArray(),
                rows.Select(r => r.Workspace).ToArray(),
                rows.Select(r => r.StartedAt.ToUniversalTime()).ToArray(),
                rows.Select(r => r.ExpiresAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null).ToArray(),
                rows.Select(r => r.Redacted).ToArray(),
                rows.Select(r => r.Request?.GetRawText()).ToArray(),
                rows.Select(r => r.Response?.GetRawText()).ToArray(),
                rows.Select(r => r.Omitted).ToArray(),
                rows.Select(SearchText).ToArray());
        }
        return Task.CompletedTask;
    }

    /// <summary>The words of the system prompt, the messages and the answer (text, thinking, tool input and results).</summary>
    public static string SearchText(RequestContentRecorded content)
    {
        var text = new StringBuilder();
        if (content.Request is { ValueKind: JsonValueKind.Object } request)
        {
            if (request.TryGetProperty("system", out var system))
            {
                AppendContent(text, system);
            }
            if (request.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in messages.EnumerateArray())
                {
                    if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var body))
                    {
                        AppendContent(text, body);
                    }
                }
            }
        }
        if (content.Response is { ValueKind: JsonValueKind.Object } response && response.TryGetProperty("content", out var answer))
        {
            AppendContent(text, answer);
        }
        return text.Length > MaxSearchChars ? text.ToString(0, MaxSearchChars) : text.ToString();
    }

    private static void AppendContent(StringBuilder text, JsonElement content)
    {
        if (text.Length > MaxSearchChars)
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
                    AppendContent(text, block);
                }
                break;
            case JsonValueKind.Object:
                foreach (var field in new[] { "text", "thinking", "content" })
                {
                    if (content.TryGetProperty(field, out var value))
                    {
                        AppendContent(text, value);
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
