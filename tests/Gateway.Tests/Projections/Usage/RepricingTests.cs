using Gateway.Projections.Models;
using Gateway.Projections.Usage;

namespace Gateway.Tests.Projections.Usage;

/// <summary>
/// The cost projections book for a request: what the ledger recorded while its prices are current, today's prices once
/// the catalog moved on, and the recorded cost again when today's prices no longer cover the model.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RepricingTests
{
    private static readonly Repricing AtTenDollars = new("v2", _ => 10m);

    [Fact]
    public void A_cost_priced_with_the_current_version_is_booked_as_recorded() =>
        Assert.Equal(0.42m, AtTenDollars.CostOf(Usage(0.42m, "v2")));

    [Fact]
    public void A_cost_recorded_without_a_price_version_is_booked_as_recorded() =>
        Assert.Equal(0.42m, AtTenDollars.CostOf(Usage(0.42m, null)));

    [Fact]
    public void A_cost_priced_with_another_version_is_booked_at_the_current_prices() =>
        Assert.Equal(10m, AtTenDollars.CostOf(Usage(0.42m, "v1")));

    [Fact]
    public void A_cost_the_current_prices_do_not_cover_is_booked_as_recorded_and_a_missing_one_stays_missing()
    {
        var unpriced = new Repricing("v2", _ => null);

        Assert.Equal(0.42m, unpriced.CostOf(Usage(0.42m, "v1")));
        Assert.Null(unpriced.CostOf(Usage(null, "v1")));
    }

    [Fact]
    public void As_recorded_books_what_the_ledger_recorded_whatever_the_version() =>
        Assert.Equal(0.42m, Repricing.AsRecorded.CostOf(Usage(0.42m, "v1")));

    [Fact]
    public void The_catalogs_repricing_charges_todays_token_prices_and_server_tool_fees()
    {
        // claude-opus-4-6 costs $5 per million input tokens and $25 per million output; a web search costs $0.01.
        var usage = Usage(3m, "2025-01-01") with { InputTokens = 2_000, OutputTokens = 400, WebSearchRequests = 3 };

        Assert.Equal(0.01m + 0.01m + 0.03m, Repricing.With(ModelCatalog.Default).CostOf(usage));
    }

    [Fact]
    public void The_catalogs_repricing_keeps_the_recorded_cost_of_a_model_it_does_not_know_or_a_request_without_one()
    {
        var repricing = Repricing.With(ModelCatalog.Default);

        Assert.Equal(3m, repricing.CostOf(Usage(3m, "2025-01-01") with { Model = "acme-private-model" }));
        Assert.Equal(3m, repricing.CostOf(Usage(3m, "2025-01-01") with { Model = null }));
    }

    private static UsageRecorded Usage(decimal? costUsd, string? priceVersion) => new()
    {
        RequestId = "req_1",
        StartedAt = new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero),
        Endpoint = UsageEndpoints.Messages,
        Outcome = UsageOutcomes.Completed,
        Model = "claude-opus-4-6",
        Provider = "anthropic",
        CostUsd = costUsd,
        PriceVersion = priceVersion,
    };
}
