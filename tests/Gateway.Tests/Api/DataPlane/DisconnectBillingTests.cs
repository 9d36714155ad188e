using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Budgets;
using Gateway.Projections.Usage;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// A client that hangs up never pays less than what it could have received: a cut stream is billed at least the
/// output it was sent, a request left while the provider works is billed its reservation — in the ledger and the budget.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DisconnectBillingTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_stream_the_client_drops_before_the_final_count_is_billed_at_least_the_output_it_was_sent()
    {
        var tenant = await Budgeted();
        var marker = Guid.NewGuid().ToString("N")[..8];
        using var request = Requests.Messages(tenant.Secret, Requests.MessagesBody($"[words:400][delay:50] {marker}", stream: true, maxTokens: 1_000));
        var received = 0;
        using (var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var deltas = 0;
            await foreach (var (name, data) in Requests.ReadEventsAsync(await response.Content.ReadAsStreamAsync()))
            {
                if (name == "content_block_delta")
                {
                    received += Encoding.UTF8.GetByteCount(data["delta"]!["text"]!.GetValue<string>());
                    if (++deltas == 10)
                    {
                        break;
                    }
                }
            }
        }   // the client hangs up, ~10 s before the provider's message_delta with its count

        var record = await gateway.Usage.WaitForAsync(r => r.KeyId == tenant.KeyId);
        Assert.Equal(UsageOutcomes.ClientDisconnected, record.Outcome);
        Assert.Equal(UsageBilling.OutputSeen, record.Billing);
        Assert.InRange(record.OutputTokens, received, 1_000);
        Assert.Equal((record.InputTokens * 3m + record.OutputTokens * 15m) / 1_000_000m, record.CostUsd);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}", record.CostUsd!.Value);
        Assert.Equal(record.CostUsd, budget["spent_usd"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task A_request_the_client_leaves_while_the_provider_works_is_billed_its_reservation()
    {
        var tenant = await Budgeted();
        var marker = Guid.NewGuid().ToString("N")[..8];
        var body = Requests.MessagesBody($"[hang] {marker}", maxTokens: 500);
        using var cancel = new CancellationTokenSource();
        var sending = gateway.Client.SendAsync(Requests.Messages(tenant.Secret, body), cancel.Token);
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !gateway.Fake.Requests.Any(r => r.BodyText.Contains(marker, StringComparison.Ordinal)); await Task.Delay(20))
        {
            Assert.True(DateTime.UtcNow < deadline, "the provider never got the request");
        }
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        var record = await gateway.Usage.WaitForAsync(r => r.KeyId == tenant.KeyId);
        var bound = CostBound.Measure(Encoding.UTF8.GetBytes(body), 500);
        Assert.Equal(UsageOutcomes.ClientDisconnected, record.Outcome);
        Assert.Equal(UsageBilling.Reservation, record.Billing);
        Assert.Equal((bound.PromptTokens, 500L), (record.InputTokens, record.OutputTokens));
        Assert.Equal((bound.PromptTokens * 3m + 500 * 15m) / 1_000_000m, record.CostUsd);
        Assert.Equal(record.ReservedUsd, record.CostUsd);
        var budget = await BudgetReads.SettledAsync(gateway.Admin, $"/admin/v1/keys/{tenant.KeyId}", record.CostUsd!.Value);
        Assert.Equal(record.CostUsd, budget["spent_usd"]!.GetValue<decimal>());
    }

    private Task<Tenant> Budgeted() =>
        gateway.CreateTenantAsync(new JsonObject { ["budget"] = new JsonObject { ["limit_usd"] = 10, ["period"] = "daily" } });
}
