namespace Gateway.Projections.Usage;

/// <summary>
/// The cost a projection books for a usage event: the recorded cost, or — when the event was priced with another
/// price-table version than the one the gateway ships now — the cost under today's table. Rebuilding a projection
/// after a price-table change is how history is re-priced.
/// </summary>
/// <param name="CurrentVersion">The shipped price table's version.</param>
/// <param name="Reprice">The event's cost under the current table, or null when the table does not price its model.</param>
public sealed record Repricing(string CurrentVersion, Func<UsageRecorded, decimal?> Reprice)
{
    /// <summary>Books what the ledger recorded, always.</summary>
    public static Repricing AsRecorded { get; } = new("", _ => null);

    public decimal? CostOf(UsageRecorded usage)
    {
        if (usage.PriceVersion is null || usage.PriceVersion == CurrentVersion || CurrentVersion.Length == 0)
        {
            return usage.CostUsd;
        }
        return Reprice(usage) ?? usage.CostUsd;
    }
}
