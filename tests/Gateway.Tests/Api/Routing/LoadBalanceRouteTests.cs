using Gateway.Api.Routing;
using Gateway.Grains.Configs;
using static Gateway.Tests.Api.Routing.Routes;

namespace Gateway.Tests.Api.Routing;

/// <summary>Load balancing: one target per request, drawn by weight, steered away from open circuits, never a fallback.</summary>
[Trait("Category", "Unit")]
public sealed class LoadBalanceRouteTests
{
    private readonly TargetHealth _circuits = Circuits();

    [Fact]
    public void Each_target_comes_first_about_as_often_as_its_share_of_the_weight()
    {
        var targets = new[] { Provider("light", weight: 1), Provider("medium", weight: 3), Provider("heavy", weight: 6) };
        var balancer = new LoadBalanceRoute(new CircuitBreaker(_circuits), new Random(17));

        var first = new Dictionary<string, int>();
        for (var i = 0; i < 10_000; i++)
        {
            var order = balancer.WeightedOrder(targets);
            Assert.Equal(["heavy", "light", "medium"], order.Select(t => t.Provider).Order());
            first[order[0].Provider!] = first.GetValueOrDefault(order[0].Provider!) + 1;
        }

        Assert.InRange(first["light"], 800, 1_200);
        Assert.InRange(first["medium"], 2_700, 3_300);
        Assert.InRange(first["heavy"], 5_600, 6_400);
    }

    [Fact]
    public async Task A_target_behind_an_open_circuit_is_not_chosen_while_another_is_available()
    {
        _circuits.Open("favourite");
        var group = LoadBalance(Provider("favourite", weight: 1_000), Provider("spare", weight: 1));
        var request = new ScriptedRequest();

        for (var i = 0; i < 50; i++)
        {
            Assert.Null(await Balancer().RunAsync(group, request, Once(request)));
        }

        Assert.All(request.Tried, provider => Assert.Equal("spare", provider));
        Assert.Empty(request.Skipped);
    }

    [Fact]
    public async Task A_nested_group_whose_providers_are_all_open_is_passed_over()
    {
        _circuits.Open("a", "b");
        var closed = Fallback(Provider("a"), Provider("b"));
        var group = LoadBalance(Nested(closed, weight: 1_000), Provider("c", weight: 1));
        var chosen = new List<RouteTarget>();

        await Balancer().RunAsync(group, new ScriptedRequest(), target =>
        {
            chosen.Add(target);
            return Task.FromResult<AttemptFailure?>(null);
        });

        Assert.Equal("c", Assert.Single(chosen).Provider);
    }

    [Fact]
    public async Task It_does_not_fall_back_and_with_every_circuit_open_it_still_sends_to_one_target()
    {
        _circuits.Open("a", "b");
        var group = LoadBalance(Provider("a"), Provider("b"));
        var request = new ScriptedRequest().Failing("a", Status(503)).Failing("b", Status(503));

        var failure = await Balancer().RunAsync(group, request, Once(request));

        Assert.Equal(503, failure?.RawStatus);
        Assert.Single(request.Tries);
    }

    private LoadBalanceRoute Balancer() => new(new CircuitBreaker(_circuits), new Random(5));
}
