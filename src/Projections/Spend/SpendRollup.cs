using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Projections.Usage;

namespace Gateway.Projections.Spend;

/// <summary>
/// A page of usage events summed into <c>spend_daily</c> rows: one per UTC day, workspace, key, signed-on user, model,
/// provider and metadata set (absent values as <c>""</c>, metadata as JSON with its keys sorted), with request counts, tokens and
/// the cost <see cref="Repricing"/> books (0 when the model has no price; the request and its tokens still count).
/// </summary>
public static class SpendRollup
{
    /// <summary>The rows, in key order (day, then the text columns ordinally), which is the order the database locks them in.</summary>
    public static IReadOnlyList<SpendRollupRow> Sum(IEnumerable<UsageRecorded> usages, Repricing repricing)
    {
        var totals = new Dictionary<RollupKey, Totals>();
        foreach (var usage in usages)
        {
            var key = new RollupKey(
                DateOnly.FromDateTime(usage.StartedAt.UtcDateTime),
                usage.Workspace ?? "",
                usage.KeyId ?? "",
                usage.UserId ?? "",
                usage.Model ?? "",
                usage.Provider ?? "",
                CanonicalJson(usage.Metadata));
            if (!totals.TryGetValue(key, out var sum))
            {
                totals[key] = sum = new Totals();
            }
            sum.Requests++;
            sum.InputTokens += usage.InputTokens;
            sum.OutputTokens += usage.OutputTokens;
            sum.CacheCreationInputTokens += usage.CacheCreationInputTokens;
            sum.CacheReadInputTokens += usage.CacheReadInputTokens;
            sum.CostUsd += repricing.CostOf(usage) ?? 0m;
        }
        return [.. totals.OrderBy(t => t.Key).Select(t => new SpendRollupRow(
            t.Key.Day, t.Key.Workspace, t.Key.KeyId, t.Key.UserId, t.Key.Model, t.Key.Provider, t.Key.Metadata,
            t.Value.Requests, t.Value.InputTokens, t.Value.OutputTokens, t.Value.CacheCreationInputTokens,
            t.Value.CacheReadInputTokens, t.Value.CostUsd))];
    }

    /// <summary>Metadata with its keys sorted, so equal sets land in one roll-up row.</summary>
    private static string CanonicalJson(ImmutableDictionary<string, string> metadata) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(metadata, StringComparer.Ordinal));

    private readonly record struct RollupKey(DateOnly Day, string Workspace, string KeyId, string UserId, string Model, string Provider,
        string Metadata)
        : IComparable<RollupKey>
    {
        public int CompareTo(RollupKey other)
        {
            var c = Day.CompareTo(other.Day);
            if (c == 0)
            {
                c = string.CompareOrdinal(Workspace, other.Workspace);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(KeyId, other.KeyId);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(UserId, other.UserId);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(Model, other.Model);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(Provider, other.Provider);
            }

            return c != 0 ? c : string.CompareOrdinal(Metadata, other.Metadata);
        }
    }

    private sealed class Totals
    {
        public long Requests;
        public long InputTokens;
        public long OutputTokens;
        public long CacheCreationInputTokens;
        public long CacheReadInputTokens;
        public decimal CostUsd;
    }
}

/// <summary>One <c>spend_daily</c> row's worth of a page of usage events (<see cref="SpendRollup"/>).</summary>
/// <param name="UserId">The signed-on user (<c>usr_…</c>); <c>""</c> for a gateway key's requests.</param>
/// <param name="Metadata">The metadata set as JSON with its keys sorted ordinally.</param>
public sealed record SpendRollupRow(
    DateOnly Day,
    string Workspace,
    string KeyId,
    string UserId,
    string Model,
    string Provider,
    string Metadata,
    long Requests,
    long InputTokens,
    long OutputTokens,
    long CacheCreationInputTokens,
    long CacheReadInputTokens,
    decimal CostUsd);
