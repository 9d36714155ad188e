namespace Gateway.Grains.Pricing;

/// <summary>USD per million tokens of each token class a Claude request is billed by.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelPrice(
    [property: Id(0)] decimal Input,
    [property: Id(1)] decimal CacheWrite5m,
    [property: Id(2)] decimal CacheWrite1h,
    [property: Id(3)] decimal CacheRead,
    [property: Id(4)] decimal Output)
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
}

/// <summary>Tokens of one request by price class.</summary>
[GenerateSerializer, Immutable]
public readonly record struct TokenUsage(
    [property: Id(0)] long Input,
    [property: Id(1)] long CacheWrite5m,
    [property: Id(2)] long CacheWrite1h,
    [property: Id(3)] long CacheRead,
    [property: Id(4)] long Output)
{
    public long Total => Input + CacheWrite5m + CacheWrite1h + CacheRead + Output;

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
