using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Grains.Budgets;

/// <summary>The budget grain on its real store, driven directly: leases and what a successor activation inherits.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BudgetGrainTests(GatewayFixture gateway)
{
    private static readonly ScopePolicy FiveCents = new(new Budget(0.05m, BudgetPeriod.Daily, []), null);

    private IGrainFactory Grains => gateway.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task A_reservation_whose_request_never_settles_is_released_when_its_lease_ends()
    {
        var budget = Grains.Budget(BudgetScopes.Key("key_lease_" + Guid.NewGuid().ToString("N")[..8]));

        // The lease runs from the hold's creation, so it also covers the activation loading the budget's spend.
        Assert.True((await budget.ReserveAsync(Hold("req_dead", 0.04m, TimeSpan.FromSeconds(5)))).Admitted);
        Assert.False((await budget.ReserveAsync(Hold("req_next", 0.04m, TimeSpan.FromMinutes(5)))).Admitted);

        var reserved = (await budget.GetStatusAsync(FiveCents)).ReservedUsd;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); reserved != 0m && DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            reserved = (await budget.GetStatusAsync(FiveCents)).ReservedUsd;
        }
        Assert.Equal(0m, reserved);
        Assert.True((await budget.ReserveAsync(Hold("req_after", 0.04m, TimeSpan.FromMinutes(5)))).Admitted);
    }

    [Fact]
    public async Task A_new_activation_counts_what_its_predecessor_had_reserved_until_that_expires()
    {
        var budget = Grains.Budget(BudgetScopes.Key("key_successor_" + Guid.NewGuid().ToString("N")[..8]));
        Assert.True((await budget.ReserveAsync(Hold("req_in_flight", 0.03m, TimeSpan.FromMinutes(5)))).Admitted);

        // Every idle activation goes, as when its silo dies; the request above is still running somewhere.
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var status = await budget.GetStatusAsync(FiveCents);
        Assert.Equal(0, status.InFlight); // a new activation: it holds no reservation of its own
        Assert.InRange(status.ReservedUsd, 0.03m, 0.05m);
        var refused = await budget.ReserveAsync(Hold("req_more", 0.03m, TimeSpan.FromMinutes(5)));
        Assert.Equal(BudgetRefusal.BudgetExhausted, refused.Refusal);

        // The predecessor's request finishes and settles here: its cost counts.
        await budget.SettleAsync("req_in_flight", 0.02m, 100);
        Assert.Equal(0.02m, (await budget.GetStatusAsync(FiveCents)).SpentUsd);
    }

    private static BudgetHold Hold(string requestId, decimal amount, TimeSpan lease) =>
        new(requestId, FiveCents, amount, 1_000, DateTimeOffset.UtcNow, lease);
}
