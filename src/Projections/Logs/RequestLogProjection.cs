using System.Text.Json;
using Gateway.Projections.Usage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Logs;

/// <summary>
/// One <c>request_log</c> row per <see cref="UsageRecorded"/> event: what the logs API filters and pages. Writes a
/// whole page of events with one statement (the async daemon hands them over in pages), idempotently.
/// </summary>
public sealed class RequestLogProjection(Repricing repricing) : IProjection
{
    public const string Name = "request_log";

    private static readonly string Upsert = $"""
        INSERT INTO {ReadSchema.RequestLog} (request_id, created_at, endpoint, workspace, key_id, model, provider, status, outcome,
            stream, error_type, error_message, stop_reason, input_tokens, output_tokens, cache_creation_input_tokens,
            cache_read_input_tokens, cost_usd, price_version, price_missing, latency_ms, time_to_first_byte_ms, metadata, attempts,
            web_search_requests, web_fetch_requests, code_execution_requests)
        SELECT r.request_id, r.created_at, r.endpoint, r.workspace, r.key_id, r.model, r.provider, r.status, r.outcome,
            r.stream, r.error_type, r.error_message, r.stop_reason, r.input_tokens, r.output_tokens, r.cache_creation_input_tokens,
            r.cache_read_input_tokens, r.cost_usd, r.price_version, r.price_missing, r.latency_ms, r.time_to_first_byte_ms, r.metadata::jsonb,
            r.attempts::jsonb, r.web_search_requests, r.web_fetch_requests, r.code_execution_requests
        FROM unnest(^::text[], ^::timestamptz[], ^::text[], ^::text[], ^::text[], ^::text[], ^::text[], ^::integer[], ^::text[],
            ^::boolean[], ^::text[], ^::text[], ^::text[], ^::bigint[], ^::bigint[], ^::bigint[],
            ^::bigint[], ^::numeric[], ^::text[], ^::boolean[], ^::double precision[], ^::double precision[], ^::text[], ^::text[],
            ^::bigint[], ^::bigint[], ^::bigint[])
            AS r(request_id, created_at, endpoint, workspace, key_id, model, provider, status, outcome,
            stream, error_type, error_message, stop_reason, input_tokens, output_tokens, cache_creation_input_tokens,
            cache_read_input_tokens, cost_usd, price_version, price_missing, latency_ms, time_to_first_byte_ms, metadata, attempts,
            web_search_requests, web_fetch_requests, code_execution_requests)
        ON CONFLICT (request_id) DO NOTHING
        """;

    private static readonly JsonSerializerOptions AttemptJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var rows = events.Select(e => e.Data).OfType<UsageRecorded>().ToList();
        if (rows.Count > 0)
        {
            operations.QueueSqlCommand('^', Upsert,
                Column(rows, r => r.RequestId),
                Column(rows, r => r.StartedAt.ToUniversalTime()),
                Column(rows, r => r.Endpoint),
                Column(rows, r => r.Workspace),
                Column(rows, r => r.KeyId),
                Column(rows, r => r.Model),
                Column(rows, r => r.Provider),
                Column(rows, r => r.Status),
                Column(rows, r => r.Outcome),
                Column(rows, r => r.Stream),
                Column(rows, r => r.ErrorType),
                Column(rows, r => r.ErrorMessage),
                Column(rows, r => r.StopReason),
                Column(rows, r => r.InputTokens),
                Column(rows, r => r.OutputTokens),
                Column(rows, r => r.CacheCreationInputTokens),
                Column(rows, r => r.CacheReadInputTokens),
                Column(rows, repricing.CostOf),
                Column(rows, r => r.PriceVersion),
                Column(rows, r => r.PriceMissing),
                Column(rows, r => r.LatencyMs),
                Column(rows, r => r.TimeToFirstByteMs),
                Column(rows, r => JsonSerializer.Serialize(r.Metadata)),
                Column(rows, r => r.Attempts.IsDefaultOrEmpty ? null : JsonSerializer.Serialize(r.Attempts, AttemptJson)),
                Column(rows, r => r.WebSearchRequests),
                Column(rows, r => r.WebFetchRequests),
                Column(rows, r => r.CodeExecutionRequests));
        }
        return Task.CompletedTask;
    }

    private static T[] Column<T>(List<UsageRecorded> rows, Func<UsageRecorded, T> value) => rows.Select(value).ToArray();
}
