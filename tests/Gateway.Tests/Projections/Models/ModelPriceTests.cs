using System.Globalization;
using Gateway.Projections.Models;

namespace Gateway.Tests.Projections.Models;

/// <summary>The shipped prices: exact decimals per token class, tiers by prompt size, and upper bounds that hold.</summary>
[Trait("Category", "Unit")]
public sealed class ModelPriceTests
{
    // 1,234 input, 567 cache-write 5 min, 89 cache-write 1 h, 10,111 cache-read and 321 output tokens.
    private static readonly TokenUsage Mixed = new(1_234, 567, 89, 10_111, 321);

    [Theory]
    [InlineData("claude-opus-5-5", "0.0169252")]            // 4936 + 2835 + 712 + 2022.2 + 6420 (micro-USD): cache reads at 0.20, 0.05× input
    [InlineData("claude-sonnet-5-5", "0.0084626")]          // 2468 + 1417.5 + 356 + 1011.1 + 3210
    [InlineData("claude-haiku-5-5", "0.000473685")]         // 123.4 + 70.875 + 17.8 + 101.11 + 160.5 (prompt 12,001: the lower tier)
    [InlineData("claude-fable-5-2", "0.0318282")]           // 9872 + 5670 + 1424 + 2022.2 + 12840
    [InlineData("claude-opus-5", "0.02368425")]             // 6170 + 3543.75 + 890 + 5055.5 + 8025
    [InlineData("claude-opus-4-5", "0.02368425")]
    [InlineData("claude-opus-4-1-20250805", "0.07105275")]  // 18510 + 10631.25 + 2670 + 15166.5 + 24075
    [InlineData("claude-sonnet-4-5", "0.01421055")]         // 3702 + 2126.25 + 534 + 3033.3 + 4815
    [InlineData("claude-haiku-4-5-20251001", "0.00473685")] // 1234 + 708.75 + 178 + 1011.1 + 1605
    public void Cost_of_every_token_class_is_exact(string model, string expected)
    {
        var price = ModelCatalog.Default.Price(model, provider: null);

        Assert.NotNull(price);
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), price.Cost(Mixed));
    }

    [Fact]
    public void Opus_5_5_reads_its_cache_at_a_twentieth_of_its_input_price()
    {
        var rates = ModelCatalog.Default.Price("claude-opus-5-5", null)!.Base;

        Assert.Equal(new TokenRates(4m, 5m, 8m, 0.20m, 20m), rates);
        Assert.Equal(rates.Input * 0.05m, rates.CacheRead);
    }

    [Fact]
    public void Haiku_5_5_bills_the_whole_request_at_the_upper_tier_once_its_prompt_is_over_100_000_tokens()
    {
        var haiku = ModelCatalog.Default.Price("claude-haiku-5-5", null)!;

        // 100,000 prompt tokens: the lower tier. 100,000 × 0.10 + 1,000 × 0.50 micro-USD.
        Assert.Equal(0.0105m, haiku.Cost(new TokenUsage(100_000, 0, 0, 0, 1_000)));
        // 100,001 (input and cache reads together): every token at the upper tier, output included.
        Assert.Equal(0.03450005m, haiku.Cost(new TokenUsage(60_000, 0, 0, 40_001, 1_000)));
        Assert.Equal(new TokenRates(0.50m, 0.625m, 1.00m, 0.05m, 2.50m), haiku.RatesFor(100_001));
    }

    [Fact]
    public void An_upper_bound_uses_the_dearest_tier_the_prompt_could_reach()
    {
        var haiku = ModelCatalog.Default.Price("claude-haiku-5-5", null)!;

        Assert.Equal((50_000 * 0.10m + 1_000 * 0.50m) / 1_000_000m, haiku.Bound(50_000, 1_000, usesCache: false));
        Assert.Equal((150_000 * 0.50m + 1_000 * 2.50m) / 1_000_000m, haiku.Bound(150_000, 1_000, usesCache: false));
        Assert.Equal((150_000 * 1.00m + 1_000 * 2.50m) / 1_000_000m, haiku.Bound(150_000, 1_000, usesCache: true));
        // Whatever the actual split, the cost never exceeds the bound.
        Assert.True(haiku.Cost(new TokenUsage(100_000, 0, 50_000, 0, 1_000)) <= haiku.Bound(150_000, 1_000, usesCache: true));
    }

    [Theory]
    [InlineData("claude-opus-4-20250514", 15)]
    [InlineData("claude-opus-4-0", 15)]
    [InlineData("claude-opus-4-6", 5)]
    [InlineData("claude-sonnet-4-6", 3)]
    [InlineData("claude-sonnet-4-5-20250929", 3)]
    [InlineData("us.anthropic.claude-opus-5-5", 4)]
    [InlineData("claude-opus-4-5@20251101", 5)]
    public void Every_spelling_of_a_model_finds_its_price(string model, decimal input) =>
        Assert.Equal(input, ModelCatalog.Default.Price(model, null)!.Input);

    [Theory]
    [InlineData("claude-opus-4-9")]          // a future model is not priced as another
    [InlineData("claude-sonnet-4-5-x")]
    [InlineData("claude-opus-5-5-preview")]
    [InlineData("gpt-4o")]
    [InlineData("claude-3-haiku-20240307")]  // retired, not catalogued
    public void Unknown_models_have_no_price(string model) => Assert.Null(ModelCatalog.Default.Price(model, null));

    [Fact]
    public void The_shipped_prices_have_a_version() => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", ModelCatalog.Default.PriceVersion);

    [Fact]
    public void Cache_writes_use_the_providers_split_when_given_and_the_5_minute_rate_otherwise()
    {
        Assert.Equal(new TokenUsage(10, 300, 700, 5, 20), TokenUsage.FromAnthropic(10, 1000, 300, 700, 5, 20));
        Assert.Equal(new TokenUsage(10, 1000, 0, 5, 20), TokenUsage.FromAnthropic(10, 1000, null, null, 5, 20));
        // A total larger than its split: the remainder is billed at the 5-minute rate.
        Assert.Equal(new TokenUsage(10, 400, 500, 0, 20), TokenUsage.FromAnthropic(10, 900, 100, 500, 0, 20));
    }
}
