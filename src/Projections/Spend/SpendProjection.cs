using Gateway.Projections.Outcomes;
using Gateway.Projections.Usage;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Gateway.Projections.Spend;

/// <summary>
/// Daily spend roll-ups (<c>spend_daily</c>): one row per UTC day, workspace, key, user, model, provider and metadata set,
/// with request counts, tokens and cost. Spend and chargeback reports sum these rows, so a month's report reads
/// thousands of rows, not millions of requests. A page of events is summed in memory (<see cref="SpendRollup"/>) and
/// added with one statement. The same page's requests per hour and outcome go to <c>outcomes_hourly</c>
/// (<see cref="OutcomeRollup"/>): one more statement, not one more pass of the daemon over the usage events.
/// </summary>
public sealed class SpendProjection(Repricing repricing) : IProjection
{
    public const string Name = "spend";

    private static readonly string Add = $"""
        INSERT INTO {ReadSchema.SpendDaily} AS s (day, workspace, key_id, user_id, model, provider, metadata, requests, input_tokens,
            output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd)
        SELECT r.day, r.workspace, r.key_id, r.user_id, r.model, r.provider, r.metadata::jsonb, r.requests, r.input_tokens,
            r.output_tokens, r.cache_creation_input_tokens, r.cache_read_input_tokens, r.cost_usd
        FROM unnest(^::date[], ^::text[], ^::text[], ^::text[], ^::text[], ^::text[], ^::text[], ^::bigint[], ^::bigint[],
            ^::bigint[], ^::bigint[], ^::bigint[], ^::numeric[])
            AS r(day, workspace, key_id, user_id, model, provider, metadata, requests, input_tokens,
            output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd)
        ON CONFLICT (day, workspace, key_id, user_id, model, provider, metadata) DO UPDATE SET
            requests = s.requests + excluded.requests,
            input_tokens = s.input_tokens + excluded.input_tokens,
            output_tokens = s.output_tokens + excluded.output_tokens,
            cache_creation_input_tokens = s.cache_creation_input_tokens + excluded.cache_creation_input_tokens,
            cache_read_input_tokens = s.cache_read_input_tokens + excluded.cache_read_input_tokens,
            cost_usd = s.cost_usd + excluded.cost_usd
        """;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var usages = events.Select(e => e.Data).OfType<UsageRecorded>().ToList();
        var outcomes = OutcomeRollup.Sum(usages);
        if (outcomes.Count > 0)
        {
            operations.QueueSqlCommand('^', OutcomeRollup.Add, OutcomeRollup.Parameters(outcomes));
        }
        var rows = SpendRollup.Sum(usages, repricing);
        if (rows.Count > 0)
        {
            // Rows in key order: two daemon batches (a rebuild and a live shard never run together, but two pages of one
            // shard might overlap in time on a slow database) then lock rows in the same order.
            operations.QueueSqlCommand('^', Add,
                rows.Select(r => r.Day).ToArray(),
                rows.Select(r => r.Workspace).ToArray(),
                rows.Select(r => r.KeyId).ToArray(),
                rows.Select(r => r.UserId).ToArray(),
                rows.Select(r => r.Model).ToArray(),
                rows.Select(r => r.Provider).ToArray(),
                rows.Select(r => r.Metadata).ToArray(),
                rows.Select(r => r.Requests).ToArray(),
                rows.Select(r => r.InputTokens).ToArray(),
                rows.Select(r => r.OutputTokens).ToArray(),
                rows.Select(r => r.CacheCreationInputTokens).ToArray(),
                rows.Select(r => r.CacheReadInputTokens).ToArray(),
                rows.Select(r => r.CostUsd).ToArray());
        }
        return Task.CompletedTask;
    }
}
