using Gateway.Projections.Models;

namespace Gateway.Api.Budgets;

/// <summary>The most one request can use on one model: tokens over all its sampling rounds, and server tool uses.</summary>
/// <param name="TokensPerRound">One round's prompt and output: what token rate limits hold (the settle counts the rest).</param>
public readonly record struct RequestBound(long InputTokens, long OutputTokens, long TokensPerRound, bool UsesCache, ServerToolUses ToolUses)
{
    /// <summary>The most the request can cost at <paramref name="price"/> and <paramref name="fees"/>.</summary>
    public decimal Cost(ModelPrice price, ServerToolPrices fees) => price.Bound(InputTokens, OutputTokens, UsesCache) + fees.Fees(ToolUses);
}
