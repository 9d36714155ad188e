using Gateway.Grains.Pricing;

namespace Gateway.Tests.Grains.Pricing;

public sealed class PriceTableTests
{
    // 1,234 input, 567 cache-write 5 min, 89 cache-write 1 h, 10,111 cache-read and 321 output tokens.
    private static readonly TokenUsage Mixed = new(1_234, 567, 89, 10_111, 321);

    [Theory]
    [InlineData("claude-opus-4-5", "0.02368425")]           // 6170 + 3543.75 + 890 + 5055.5 + 8025 (micro-USD)
    [InlineData("claude-opus-4-1-20250805", "0.07105275")]  // 18510 + 10631.25 + 2670 + 15166.5 + 24075
    [InlineData("claude-sonnet-4-5", "0.01421055")]         // 3702 + 2126.25 + 534 + 3033.3 + 4815
    [InlineData("claude-haiku-4-5-20251001", "0.00473685")] // 1234 + 708.75 + 178 + 1011.1 + 1605
    [InlineData("claude-3-5-haiku-latest", "0.00378948")]   // 987.2 + 567 + 142.4 + 808.88 + 1284
    public void Cost_of_every_token_class_is_exact(string model, string expected)
    {
        var price = PriceTable.Shipped.Find(model);

        Assert.NotNull(price);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), price.Cost(Mixed));
    }

    [Theory]
    [InlineData("claude-opus-4-20250514", 15)]
    [InlineData("claude-opus-4-6", 5)]
    [InlineData("claude-sonnet-4-20250514", 3)]
    public void Snapshot_ids_and_aliases_find_their_model(string model, decimal input) =>
        Assert.Equal(input, PriceTable.Shipped.Find(model)!.Input);

    [Theory]
    [InlineData("claude-opus-4-9")]      // a future model is not priced as Opus 4
    [InlineData("claude-sonnet-4-5-x")]
    [InlineData("gpt-4o")]
    public void Unknown_models_have_no_price(string model) => Assert.Null(PriceTable.Shipped.Find(model));

    [Fact]
    public void The_shipped_table_has_a_version() => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", PriceTable.Shipped.Version);

    [Fact]
    public void Cache_writes_use_the_providers_split_when_given_and_the_5_minute_rate_otherwise()
    {
        Assert.Equal(new TokenUsage(10, 300, 700, 5, 20), TokenUsage.FromAnthropic(10, 1000, 300, 700, 5, 20));
        Assert.Equal(new TokenUsage(10, 1000, 0, 5, 20), TokenUsage.FromAnthropic(10, 1000, null, null, 5, 20));
        // A total larger than its split: the remainder is billed at the 5-minute rate.
        Assert.Equal(new TokenUsage(10, 400, 500, 0, 20), TokenUsage.FromAnthropic(10, 900, 100, 500, 0, 20));
    }
}
