using Gateway.Projections.Models;

namespace Gateway.Projections.Usage;

/// <summary>
/// The cost a projection books for a usage event: the recorded cost, or — when the event was priced with another
/// price version than the catalog's current one — the cost under today's prices (the provider's own where it has
/// one). Rebuilding a projection after a price change is how history is re-priced.
/// </summary>
/// <param name="CurrentVersion">The current price version.</param>
/// <param name="Reprice">The event's cost under the current prices, or null when they do not price its model.</param>
public sealed record Repricing(string CurrentVersion, Func<UsageRecorded, decimal?> Reprice)
{
    /// <summary>Books what the ledger recorded, always.</summary>
    public static Repricing AsRecorded { get; } = new("", _ => null);

    /// <summary>Re-prices with <paramref name="catalog"/>'s prices.</summary>
    public static Repricing With(ModelCatalog catalog) => new(catalog.PriceVersion, usage => usage.Model is { } model
        ? catalog.Price(model, usage.Provider)?.Cost(TokenUsage.FromAnthropic(usage.InputTokens, usage.CacheCreationInputTokens,
            usage.CacheCreation5mInputTokens, usage.CacheCreation1hInputTokens, usage.CacheReadInputTokens, usage.OutputTokens))
          + catalog.ServerTools.Fees(usage.ServerToolUses())
        : null);

    public decimal? CostOf(UsageRecorded usage)
    {
        if (usage.PriceVersion is null || usage.PriceVersion == CurrentVersion || CurrentVersion.Length == 0)
        {
            return usage.CostUsd;
        }
        return Reprice(usage) ?? usage.CostUsd;
    }
}
