using System.Collections.Immutable;

namespace Gateway.Projections.Models;

/// <summary>USD per million tokens of each token class a Claude request is billed by.</summary>
public sealed record TokenRates(decimal Input, decimal CacheWrite5m, decimal CacheWrite1h, decimal CacheRead, decimal Output)
{
    private const decimal PerMillion = 1_000_000m;

    /// <summary>The dearest input class: what an input token may cost at most.</summary>
    public decimal HighestInput => Math.Max(Math.Max(Input, CacheWrite5m), Math.Max(CacheWrite1h, CacheRead));

    /// <summary>Exact cost of the tokens, in USD.</summary>
    public decimal Cost(TokenUsage usage) =>
        (usage.Input * Input
         + usage.CacheWrite5m * CacheWrite5m
         + usage.CacheWrite1h * CacheWrite1h
         + usage.CacheRead * CacheRead
         + usage.Output * Output) / PerMillion;

    /// <summary>The most <paramref name="inputTokens"/> and <paramref name="outputTokens"/> can cost.</summary>
    public decimal Bound(long inputTokens, long outputTokens, bool usesCache) =>
        (inputTokens * (usesCache ? HighestInput : Input) + outputTokens * Output) / PerMillion;
}

/// <summary>Rates that replace the base rates for a whole request once its prompt is larger than <see cref="AboveInputTokens"/>.</summary>
/// <param name="AboveInputTokens">Prompt tokens (input, cache writes and cache reads together) beyond which the tier applies.</param>
public sealed record PriceTier(long AboveInputTokens, TokenRates Rates);

/// <summary>
/// A model's price: base rates and, for models priced by prompt size (long context, tiered models), tiers in
/// ascending order of their threshold; a request pays every token at the rates of the highest tier its prompt exceeds.
/// </summary>
public sealed record ModelPrice(TokenRates Base, ImmutableArray<PriceTier> Tiers)
{
    public ModelPrice(TokenRates rates) : this(rates, [])
    {
    }

    public decimal Input => Base.Input;
    public decimal Output => Base.Output;

    /// <summary>The rates a request whose prompt has <paramref name="promptTokens"/> tokens pays.</summary>
    public TokenRates RatesFor(long promptTokens)
    {
        var rates = Base;
        foreach (var tier in Tiers)
        {
            if (promptTokens > tier.AboveInputTokens)
            {
                rates = tier.Rates;
            }
        }
        return rates;
    }

    /// <summary>Exact cost of the tokens, in USD.</summary>
    public decimal Cost(TokenUsage usage) => RatesFor(usage.Prompt).Cost(usage);

    /// <summary>
    /// The most a request of at most <paramref name="inputTokens"/> prompt tokens and <paramref name="outputTokens"/>
    /// output tokens can cost: the dearest of the rates any prompt up to that size could be billed at.
    /// </summary>
    public decimal Bound(long inputTokens, long outputTokens, bool usesCache)
    {
        var bound = Base.Bound(inputTokens, outputTokens, usesCache);
        foreach (var tier in Tiers)
        {
            if (inputTokens > tier.AboveInputTokens)
            {
                bound = Math.Max(bound, tier.Rates.Bound(inputTokens, outputTokens, usesCache));
            }
        }
        return bound;
    }

    /// <summary>Value equality (the tiers' array compares by content).</summary>
    public bool Equals(ModelPrice? other) =>
        other is not null && Base == other.Base && Tiers.AsSpan().SequenceEqual(other.Tiers.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Base, Tiers.Length);
}

/// <summary>Tokens of one request by price class.</summary>
public readonly record struct TokenUsage(long Input, long CacheWrite5m, long CacheWrite1h, long CacheRead, long Output)
{
    public long Total => Input + CacheWrite5m + CacheWrite1h + CacheRead + Output;

    /// <summary>The prompt's size: what tiers are chosen by.</summary>
    public long Prompt => Input + CacheWrite5m + CacheWrite1h + CacheRead;

    /// <summary>
    /// Splits Anthropic's usage into classes: <c>cache_creation.ephemeral_5m/1h_input_tokens</c> when the provider
    /// reported them (any remainder of <c>cache_creation_input_tokens</c> at the 5-minute rate), otherwise every
    /// cache write at the 5-minute rate.
    /// </summary>
    public static TokenUsage FromAnthropic(long input, long cacheCreation, long? cacheCreation5m, long? cacheCreation1h, long cacheRead, long output)
    {
        var oneHour = cacheCreation1h ?? 0;
        var fiveMinutes = cacheCreation5m is null && cacheCreation1h is null
            ? cacheCreation
            : Math.Max(cacheCreation5m ?? 0, cacheCreation - oneHour);
        return new TokenUsage(input, fiveMinutes, oneHour, cacheRead, output);
    }
}
