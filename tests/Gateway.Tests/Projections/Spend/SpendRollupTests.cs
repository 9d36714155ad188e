using Gateway.Projections.Spend;
using Gateway.Projections.Usage;

namespace Gateway.Tests.Projections.Spend;

/// <summary>
/// What a page of usage events adds to the daily spend roll-ups that spend and chargeback reports sum: exact totals per
/// UTC day, workspace, key, model, provider and metadata set, booked at the current prices.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SpendRollupTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Price version 2026-12-03: $5 per million input tokens and $25 per million output tokens, no price for other models.</summary>
    private static readonly Repricing TodaysPrices = new("2026-12-03", usage => usage.Model == "claude-opus-4-6"
        ? usage.InputTokens * 5m / 1_000_000 + usage.OutputTokens * 25m / 1_000_000
        : null);

    [Fact]
    public void Many_tiny_costs_of_one_day_key_model_and_metadata_add_up_to_the_exact_cent_fraction()
    {
        var usages = Enumerable.Range(0, 10_000).Select(i => Usage(Noon.AddSeconds(i), 0.000003m, ("team", "search")) with
        {
            InputTokens = 3,
            OutputTokens = 1,
            CacheCreationInputTokens = i % 2,
            CacheReadInputTokens = 5,
        });

        var row = Assert.Single(SpendRollup.Sum(usages, Repricing.AsRecorded));

        Assert.Equal(new SpendRollupRow(new DateOnly(2026, 3, 31), "ws-finance", "key-1", "", "claude-opus-4-6", "anthropic",
            """{"team":"search"}""", 10_000, 30_000, 10_000, 5_000, 50_000, 0.03m), row);
    }

    [Fact]
    public void One_metadata_set_is_one_row_whatever_order_its_keys_came_in_and_other_sets_get_their_own()
    {
        (string, string)[] pairs = [("user", "alice"), ("cost_center", "cc-42"), ("team", "search"), ("env", "prod"), ("app", "ide"), ("region", "eu")];
        var usages = new[]
        {
            Usage(Noon, 1m, pairs),
            Usage(Noon, 2m, [.. pairs.Reverse()]),
            Usage(Noon, 4m, [.. pairs.Skip(1)]),
            Usage(Noon, 8m, [.. pairs.Select(p => p.Item1 == "user" ? ("user", "bob") : p)]),
            Usage(Noon, 16m),
        };

        var rows = SpendRollup.Sum(usages, Repricing.AsRecorded).ToDictionary(r => r.Metadata, r => (r.Requests, r.CostUsd));

        Assert.Equal(new Dictionary<string, (long, decimal)>
        {
            ["""{"app":"ide","cost_center":"cc-42","env":"prod","region":"eu","team":"search","user":"alice"}"""] = (2, 3m),
            ["""{"app":"ide","cost_center":"cc-42","env":"prod","region":"eu","team":"search"}"""] = (1, 4m),
            ["""{"app":"ide","cost_center":"cc-42","env":"prod","region":"eu","team":"search","user":"bob"}"""] = (1, 8m),
            ["{}"] = (1, 16m),
        }, rows);
    }

    [Fact]
    public void A_request_counts_on_the_utc_day_it_started_whatever_offset_its_time_was_written_with()
    {
        var usages = new[]
        {
            Usage(new DateTimeOffset(2026, 3, 31, 23, 59, 59, 999, TimeSpan.Zero), 1m),
            Usage(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), 2m),
            // 01:30 in Berlin on April 1st is 23:30 UTC on March 31st; 20:00 in New York on March 31st is 01:00 UTC on April 1st.
            Usage(new DateTimeOffset(2026, 4, 1, 1, 30, 0, TimeSpan.FromHours(2)), 4m),
            Usage(new DateTimeOffset(2026, 3, 31, 20, 0, 0, TimeSpan.FromHours(-5)), 8m),
        };

        var rows = SpendRollup.Sum(usages, Repricing.AsRecorded);

        Assert.Equal(
            [(new DateOnly(2026, 3, 31), 2L, 5m), (new DateOnly(2026, 4, 1), 2L, 10m)],
            rows.Select(r => (r.Day, r.Requests, r.CostUsd)));
    }

    [Fact]
    public void A_request_without_workspace_key_model_or_provider_is_booked_under_empty_names()
    {
        var refused = Usage(Noon, null) with { Workspace = null, KeyId = null, Model = null, Provider = null, Outcome = UsageOutcomes.Refused };

        var row = Assert.Single(SpendRollup.Sum([refused, refused with { RequestId = "req_2" }], Repricing.AsRecorded));

        Assert.Equal(("", "", "", ""), (row.Workspace, row.KeyId, row.Model, row.Provider));
        Assert.Equal(2, row.Requests);
        Assert.Equal(0m, row.CostUsd);
    }

    [Fact]
    public void A_request_priced_with_an_older_price_version_is_booked_at_todays_prices_and_a_current_one_as_recorded()
    {
        var old = Usage(Noon, 1.25m) with { KeyId = "key-old", PriceVersion = "2025-01-01", InputTokens = 1_000, OutputTokens = 100 };
        var current = Usage(Noon, 1.25m) with { KeyId = "key-current", PriceVersion = "2026-12-03", InputTokens = 1_000, OutputTokens = 100 };

        var rows = SpendRollup.Sum([old, current], TodaysPrices);

        Assert.Equal([("key-current", 1.25m), ("key-old", 0.0075m)], rows.Select(r => (r.KeyId, r.CostUsd)));
    }

    [Fact]
    public void A_request_with_no_known_price_books_nothing_but_still_counts_the_request_and_its_tokens()
    {
        var unpriced = Usage(Noon, null) with
        {
            Model = "acme-private-model",
            PriceMissing = true,
            PriceVersion = "2025-01-01",
            InputTokens = 500,
            OutputTokens = 50,
            CacheCreationInputTokens = 7,
            CacheReadInputTokens = 11,
        };
        var priced = unpriced with { RequestId = "req_priced", CostUsd = 0.02m, PriceMissing = false, PriceVersion = null };

        var row = Assert.Single(SpendRollup.Sum([unpriced, priced], TodaysPrices));

        Assert.Equal((2L, 1_000L, 100L, 14L, 22L, 0.02m),
            (row.Requests, row.InputTokens, row.OutputTokens, row.CacheCreationInputTokens, row.CacheReadInputTokens, row.CostUsd));
    }

    [Fact]
    public void Rows_come_in_day_then_workspace_key_model_provider_and_metadata_order()
    {
        var nextDay = Noon.AddDays(1);
        var usages = new[]
        {
            Usage(nextDay, 1m) with { Workspace = "a" },
            Usage(Noon, 1m, ("k", "2")) with { Workspace = "b" },
            Usage(Noon, 1m, ("k", "1")) with { Workspace = "b" },
            Usage(Noon, 1m) with { Workspace = "b", Provider = "bedrock" },
            Usage(Noon, 1m) with { Workspace = "B" },
            Usage(Noon, 1m) with { Workspace = "b", KeyId = "key-0" },
        };

        var rows = SpendRollup.Sum(usages, Repricing.AsRecorded);

        var (first, second) = (new DateOnly(2026, 3, 31), new DateOnly(2026, 4, 1));
        Assert.Equal(
            [
                (first, "B", "key-1", "anthropic", "{}"),
                (first, "b", "key-0", "anthropic", "{}"),
                (first, "b", "key-1", "anthropic", """{"k":"1"}"""),
                (first, "b", "key-1", "anthropic", """{"k":"2"}"""),
                (first, "b", "key-1", "bedrock", "{}"),
                (second, "a", "key-1", "anthropic", "{}"),
            ],
            rows.Select(r => (r.Day, r.Workspace, r.KeyId, r.Provider, r.Metadata)));
    }

    [Fact]
    public void Each_signed_on_user_of_a_key_gets_a_row_of_their_own_and_key_requests_none()
    {
        var rows = SpendRollup.Sum(
            [Usage(Noon, 0.5m) with { UserId = "usr_b" }, Usage(Noon, 0.25m) with { UserId = "usr_a" }, Usage(Noon, 0.125m), Usage(Noon, 0.5m) with { UserId = "usr_b" }],
            Repricing.AsRecorded);

        Assert.Equal([("", 1L, 0.125m), ("usr_a", 1L, 0.25m), ("usr_b", 2L, 1.0m)], rows.Select(r => (r.UserId, r.Requests, r.CostUsd)));
    }

    private static UsageRecorded Usage(DateTimeOffset startedAt, decimal? costUsd, params (string Key, string Value)[] metadata)
    {
        var usage = new UsageRecorded
        {
            RequestId = $"req_{Guid.NewGuid():N}",
            StartedAt = startedAt,
            StartedAtMs = startedAt.ToUnixTimeMilliseconds(),
            Endpoint = UsageEndpoints.Messages,
            Outcome = UsageOutcomes.Completed,
            Workspace = "ws-finance",
            KeyId = "key-1",
            Model = "claude-opus-4-6",
            Provider = "anthropic",
            Status = 200,
            CostUsd = costUsd,
        };
        return usage with { Metadata = usage.Metadata.SetItems(metadata.Select(m => KeyValuePair.Create(m.Key, m.Value))) };
    }
}
