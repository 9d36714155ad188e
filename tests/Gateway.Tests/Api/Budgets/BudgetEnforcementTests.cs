using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Api.Budgets;

[Collection(GatewayCollection.Name)]
public sealed class BudgetEnforcementTests(GatewayFixture gateway)
{
    private const string Haiku = "claude-haiku-4-5";

    [Fact]
    public async Task A_key_budget_admits_exactly_as_many_concurrent_requests_as_fit_and_never_overspends()
    {
        var tenant = await gateway.CreateTenantAsync(Budget(1.00m));
        var (body, cost) = Requests.ExactCost(maxTokens: 1_700);
        var fit = (int)decimal.Floor(1.00m / cost);

        var responses = await FireAsync(Enumerable.Repeat((tenant.Secret, body), 1_000), gateway.Client);

        Assert.Equal(fit, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(1_000 - fit, responses.Count(r => r.Status == HttpStatusCode.PaymentRequired));
        var ledger = await LedgerAsync("key_id", tenant.KeyId);
        Assert.Equal(fit * cost, ledger.Cost);
        Assert.True(ledger.Cost <= 1.00m);
        await AssertEveryAnswerIsInTheLedgerAsync(responses);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}", ledger.Cost);
        Assert.Equal(ledger.Cost, budget["spent_usd"]!.GetValue<decimal>());
        Assert.Equal(0m, budget["reserved_usd"]!.GetValue<decimal>());
        Assert.Equal(1.00m - ledger.Cost, budget["remaining_usd"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_workspace_budget_shared_by_twenty_keys_admits_exactly_as_many_as_fit()
    {
        var tenant = await gateway.CreateTenantAsync(workspaceFields: Budget(1.00m));
        var keys = new List<string> { tenant.Secret };
        for (var i = 1; i < 20; i++)
        {
            keys.Add((await gateway.CreateKeyAsync(tenant.Workspace)).Secret);
        }
        var (body, cost) = Requests.ExactCost(maxTokens: 2_300);
        var fit = (int)decimal.Floor(1.00m / cost);

        var responses = await FireAsync(Enumerable.Range(0, 1_000).Select(i => (keys[i % 20], body)), gateway.Client);

        Assert.Equal(fit, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, r.Status);
            Assert.Contains($"workspace '{tenant.Workspace}'", r.Body);
        });
        var ledger = await LedgerAsync("workspace", tenant.Workspace);
        Assert.Equal(fit * cost, ledger.Cost);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/workspaces/{tenant.Workspace}", ledger.Cost);
        Assert.Equal(ledger.Cost, budget["spent_usd"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Load_split_across_two_gateways_of_one_cluster_still_fits_the_budget_exactly()
    {
        await using var second = await GatewayFixture.StartGatewayAsync(gateway.ConnectionString);
        using var secondClient = new HttpClient { BaseAddress = GatewayFixture.Address(second) };
        var tenant = await gateway.CreateTenantAsync(Budget(1.00m));
        var (body, cost) = Requests.ExactCost(maxTokens: 1_900);
        var fit = (int)decimal.Floor(1.00m / cost);

        var first = FireAsync(Enumerable.Repeat((tenant.Secret, body), 500), gateway.Client);
        var other = FireAsync(Enumerable.Repeat((tenant.Secret, body), 500), secondClient);
        var responses = (await first).Concat(await other).ToList();

        Assert.Equal(fit, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(fit * cost, (await LedgerAsync("key_id", tenant.KeyId)).Cost);
        await AssertEveryAnswerIsInTheLedgerAsync(responses);
        await second.StopAsync();
    }

    [Fact]
    public async Task Headroom_freed_by_cheaper_answers_admits_later_requests_and_spend_ends_within_one_reservation()
    {
        var tenant = await gateway.CreateTenantAsync(Budget(0.10m));
        var (body, reservation) = Requests.ExactCost(maxTokens: 2_000, outputTokens: 1_000);
        var admitted = 0;
        while (true)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
                break;
            }
            admitted++;
            Assert.True(admitted < 100, "the budget never ran out");
        }

        var spent = (await LedgerAsync("key_id", tenant.KeyId)).Cost;
        Assert.True(admitted > (int)decimal.Floor(0.10m / reservation), $"only {admitted} admitted: settled headroom was not reused");
        Assert.True(spent <= 0.10m, $"spent {spent}");
        Assert.True(spent > 0.10m - reservation, $"spent {spent} stopped more than one reservation ({reservation}) short");
    }

    [Fact]
    public async Task The_402_names_the_scope_and_when_it_resets()
    {
        var tenant = await gateway.CreateTenantAsync(Budget(0.001m));

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("too dear", model: Haiku)));

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.PaymentRequired, "billing_error");
        Assert.Contains($"key '{tenant.KeyId}'", error.Message);
        Assert.Contains($"It resets at {DateTime.UtcNow.Date.AddDays(1):yyyy-MM-dd}T00:00:00Z", error.Message);
    }

    [Fact]
    public async Task A_model_without_a_price_is_refused_under_a_budget_and_served_but_marked_without_one()
    {
        var budgeted = await gateway.CreateTenantAsync(Budget(5m));
        var free = await gateway.CreateTenantAsync();
        var body = Requests.MessagesBody("unpriced", model: "claude-3-haiku-20240307");

        using var refused = await gateway.Client.SendAsync(Requests.Messages(budgeted.Secret, body));
        using var served = await gateway.Client.SendAsync(Requests.Messages(free.Secret, body));

        var error = await AnthropicError.ReadAsync(refused, HttpStatusCode.PaymentRequired, "billing_error");
        Assert.Contains("No price is known for model 'claude-3-haiku-20240307'", error.Message);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(served));
        Assert.True(record.PriceMissing);
        Assert.Null(record.CostUsd);
        Assert.True(record.InputTokens > 0);
    }

    [Fact]
    public async Task Cost_in_the_ledger_is_exact_for_every_token_class_with_its_price_version()
    {
        var tenant = await gateway.CreateTenantAsync();
        var body = Requests.CachedPromptBody("claude-opus-4-5", "[input:1234][output:321][cache-read:10111] go", maxTokens: 100);

        using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await gateway.Usage.WaitForAsync(Requests.RequestId(response));
        // The fake writes 2,048 tokens to the 1-hour cache: 1234×5 + 2048×10 + 10111×0.5 + 321×25 micro-USD.
        Assert.Equal((1_234 * 5m + 2_048 * 10m + 10_111 * 0.5m + 321 * 25m) / 1_000_000m, record.CostUsd);
        Assert.Equal(gateway.Services.GetRequiredService<Gateway.Api.Catalog.CurrentCatalog>().Loaded!.PriceVersion, record.PriceVersion);
    }

    [Fact]
    public async Task Requests_per_minute_beyond_the_limit_get_429_with_retry_after()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject { ["rate_limits"] = new JsonObject { ["rpm"] = 3 } });

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("rpm"))));
        }

        Assert.All(statuses.Take(3), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var error = await AnthropicError.ReadAsync(statuses[3], (HttpStatusCode)429, "rate_limit_error");
        Assert.Contains("3 requests per minute", error.Message);
        var retryAfter = int.Parse(statuses[3].Headers.GetValues("retry-after").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        statuses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Tokens_per_minute_and_concurrency_limits_refuse_with_429()
    {
        var tokens = await gateway.CreateTenantAsync(workspaceFields: new JsonObject { ["rate_limits"] = new JsonObject { ["tpm"] = 1_000 } });
        using var first = await gateway.Client.SendAsync(Requests.Messages(tokens.Secret, Requests.MessagesBody("[input:900][output:200] big")));
        using var second = await gateway.Client.SendAsync(Requests.Messages(tokens.Secret, Requests.MessagesBody("small")));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("1000 tokens per minute", (await AnthropicError.ReadAsync(second, (HttpStatusCode)429, "rate_limit_error")).Message);

        var concurrent = await gateway.CreateTenantAsync(new JsonObject { ["rate_limits"] = new JsonObject { ["concurrency"] = 2 } });
        var slow = Enumerable.Range(0, 2).Select(_ => gateway.Client.SendAsync(
            Requests.Messages(concurrent.Secret, Requests.MessagesBody("[words:4][delay:400] slow", stream: true)),
            HttpCompletionOption.ResponseHeadersRead)).ToList();
        var started = await Task.WhenAll(slow);
        using var third = await gateway.Client.SendAsync(Requests.Messages(concurrent.Secret, Requests.MessagesBody("third")));
        Assert.Contains("concurrency limit", (await AnthropicError.ReadAsync(third, (HttpStatusCode)429, "rate_limit_error")).Message);
        foreach (var response in started)
        {
            await response.Content.ReadAsStringAsync();
            response.Dispose();
        }
        using var after = await gateway.Client.SendAsync(Requests.Messages(concurrent.Secret, Requests.MessagesBody("after")));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task An_alert_threshold_is_raised_once_per_period()
    {
        var tenant = await gateway.CreateTenantAsync(new JsonObject
        {
            ["budget"] = new JsonObject { ["limit_usd"] = 0.05m, ["period"] = "monthly", ["alert_at"] = new JsonArray(0.2m, 0.9m) },
        });
        var (body, cost) = Requests.ExactCost(maxTokens: 1_000);
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.True(3 * cost >= 0.2m * 0.05m && 3 * cost < 0.9m * 0.05m);

        await using var connection = new NpgsqlConnection(gateway.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT data ->> 'threshold' FROM gateway.mt_events WHERE type = 'budget_alert_raised' AND data ->> 'scope' = $1", connection);
        query.Parameters.AddWithValue("key:" + tenant.KeyId);
        var raised = new List<string>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); raised.Count == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                raised.Add(reader.GetString(0));
            }
        }
        Assert.Equal("0.2", Assert.Single(raised));
    }

    [Fact]
    public async Task Budgets_and_rate_limits_are_set_and_cleared_with_patch()
    {
        var tenant = await gateway.CreateTenantAsync();
        using var set = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/keys/{tenant.KeyId}", new JsonObject
        {
            ["budget"] = new JsonObject { ["limit_usd"] = 0.000001m, ["period"] = "weekly" },
            ["rate_limits"] = new JsonObject { ["rpm"] = 100 },
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var shown = JsonNode.Parse(await set.Content.ReadAsStringAsync())!;
        Assert.Equal("weekly", shown["budget"]!["period"]!.GetValue<string>());
        Assert.Equal(100, shown["rate_limits"]!["rpm"]!.GetValue<int>());
        using (var refused = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("capped"))))
        {
            await AnthropicError.ReadAsync(refused, HttpStatusCode.PaymentRequired, "billing_error");
        }

        using var cleared = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/keys/{tenant.KeyId}", new JsonObject { ["budget"] = null });
        Assert.Null(JsonNode.Parse(await cleared.Content.ReadAsStringAsync())!["budget"]);
        using var served = await gateway.Client.SendAsync(Requests.Messages(tenant.Secret, Requests.MessagesBody("free again")));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    private static JsonObject Budget(decimal limit) => new()
    {
        ["budget"] = new JsonObject { ["limit_usd"] = limit, ["period"] = "daily" },
    };

    private sealed record Answer(HttpStatusCode Status, string RequestId, string Body);

    private static async Task<List<Answer>> FireAsync(IEnumerable<(string Secret, string Body)> requests, HttpClient client)
    {
        var answers = await Task.WhenAll(requests.Select(async r =>
        {
            using var response = await client.SendAsync(Requests.Messages(r.Secret, r.Body));
            return new Answer(response.StatusCode, Requests.RequestId(response), await response.Content.ReadAsStringAsync());
        }));
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.PaymentRequired, $"{a.Status}: {a.Body}"));
        return [.. answers];
    }

    private Task<(long Count, decimal Cost)> LedgerAsync(string field, string value) =>
        LedgerQueries.SumAsync(gateway.ConnectionString, field, value);

    private async Task AssertEveryAnswerIsInTheLedgerAsync(IEnumerable<Answer> answers)
    {
        var answered = answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.RequestId).ToList();
        Assert.Empty(answered.Except(await LedgerQueries.RecordedAsync(gateway.ConnectionString, answered)));
    }
}
