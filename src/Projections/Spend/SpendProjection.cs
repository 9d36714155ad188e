using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Projections.Usage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Spend;

/// <summary>
/// Daily spend roll-ups (<c>spend_daily</c>): one row per UTC day, workspace, key, model, provider and metadata set,
/// with request counts, tokens and cost. Spend and chargeback reports sum these rows, so a month's report reads
/// thousands of rows, not millions of requests. A page of events is summed in memory and added with one statement.
/// </summary>
public sealed class SpendProjection(Repricing repricing) : IProjection
{
    public const string Name = "spend";

    private static readonly string Add = $"""
        INSERT INTO {ReadSchema.SpendDaily} AS s (day, workspace, key_id, model, provider, metadata, requests, input_tokens,
            output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd)
        SELECT r.day, r.workspace, r.key_id, r.model, r.provider, r.metadata::jsonb, r.requests, r.input_tokens,
            r.output_tokens, r.cache_creation_input_tokens, r.cache_read_input_tokens, r.cost_usd
        FROM unnest(^::date[], ^::text[], ^::text[], ^::text[], ^::text[], ^::text[], ^::bigint[], ^::bigint[],
            ^::bigint[], ^::bigint[], ^::bigint[], ^::numeric[])
            AS r(day, workspace, key_id, model, provider, metadata, requests, input_tokens,
            output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd)
        ON CONFLICT (day, workspace, key_id, model, provider, metadata) DO UPDATE SET
            requests = s.requests + excluded.requests,
            input_tokens = s.input_tokens + excluded.input_tokens,
            output_tokens = s.output_tokens + excluded.output_tokens,
            cache_creation_input_tokens = s.cache_creation_input_tokens + excluded.cache_creation_input_tokens,
            cache_read_input_tokens = s.cache_read_input_tokens + excluded.cache_read_input_tokens,
            cost_usd = s.cost_usd + excluded.cost_usd
        """;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var totals = new Dictionary<RollupKey, Totals>();
        foreach (var usage in events.Select(e => e.Data).OfType<UsageRecorded>())
        {
            var key = new RollupKey(
                DateOnly.FromDateTime(usage.StartedAt.UtcDateTime),
                usage.Workspace ?? "",
                usage.KeyId ?? "",
                usage.Model ?? "",
                usage.Provider ?? "",
                CanonicalJson(usage.Metadata));
            var sum = totals.TryGetValue(key, out var existing) ? existing : new Totals();
            totals[key] = sum with
            {
                Requests = sum.Requests + 1,
                InputTokens = sum.InputTokens + usage.InputTokens,
                OutputTokens = sum.OutputTokens + usage.OutputTokens,
                CacheCreationInputTokens = sum.CacheCreationInputTokens + usage.CacheCreationInputTokens,
                CacheReadInputTokens = sum.CacheReadInputTokens + usage.CacheReadInputTokens,
                CostUsd = sum.CostUsd + (repricing.CostOf(usage) ?? 0m),
            };
        }
        if (totals.Count > 0)
        {
            // Rows in key order: two daemon batches (a rebuild and a live shard never run together, but two pages of one
            // shard might overlap in time on a slow database) then lock rows in the same order.
            var rows = totals.OrderBy(t => t.Key).ToList();
            operations.QueueSqlCommand('^', Add,
                rows.Select(r => r.Key.Day).ToArray(),
                rows.Select(r => r.Key.Workspace).ToArray(),
                rows.Select(r => r.Key.KeyId).ToArray(),
                rows.Select(r => r.Key.Model).ToArray(),
                rows.Select(r => r.Key.Provider).ToArray(),
                rows.Select(r => r.Key.Metadata).ToArray(),
                rows.Select(r => r.Value.Requests).ToArray(),
                rows.Select(r => r.Value.InputTokens).ToArray(),
                rows.Select(r => r.Value.OutputTokens).ToArray(),
                rows.Select(r => r.Value.CacheCreationInputTokens).ToArray(),
                rows.Select(r => r.Value.CacheReadInputTokens).ToArray(),
                rows.Select(r => r.Value.CostUsd).ToArray());
        }
        return Task.CompletedTask;
    }

    /// <summary>Metadata with its keys sorted, so equal sets land in one roll-up row.</summary>
    private static string CanonicalJson(ImmutableDictionary<string, string> metadata) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(metadata, StringComparer.Ordinal));

    private readonly record struct RollupKey(DateOnly Day, string Workspace, string KeyId, string Model, string Provider, string Metadata)
        : IComparable<RollupKey>
    {
        public int CompareTo(RollupKey other)
        {
            var c = Day.CompareTo(other.Day);
            if (c == 0) c = string.CompareOrdinal(Workspace, other.Workspace);
            if (c == 0) c = string.CompareOrdinal(KeyId, other.KeyId);
            if (c == 0) c = string.CompareOrdinal(Model, other.Model);
            if (c == 0) c = string.CompareOrdinal(Provider, other.Provider);
            return c != 0 ? c : string.CompareOrdinal(Metadata, other.Metadata);
        }
    }

    private sealed record Totals
    {
        public long Requests { get; init; }
        public long InputTokens { get; init; }
        public long OutputTokens { get; init; }
        public long CacheCreationInputTokens { get; init; }
        public long CacheReadInputTokens { get; init; }
        public decimal CostUsd { get; init; }
    }
}
