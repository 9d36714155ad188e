using static Gateway.Tests.Api.Routing.Routes;

namespace Gateway.Tests.Api.Routing;

/// <summary>
/// A whole route: each group by its mode, nested groups as a whole, provider targets with their retries and the
/// timeout of the group they belong to.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RouteRunnerTests
{
    private readonly Gateway.Api.Routing.TargetHealth _circuits = Circuits();

    private Gateway.Api.Routing.RouteRunner Runner => Routes.Runner(_circuits);

    [Fact]
    public async Task A_nested_group_falls_back_as_a_whole_before_the_next_target()
    {
        var route = Fallback(Nested(Fallback(Provider("a"), Provider("b"))), Provider("c"));
        var request = new ScriptedRequest().Failing("a", Status(503)).Failing("b", Status(503));

        Assert.Null(await Runner.RunAsync(route, request));

        Assert.Equal(["a", "b", "c"], request.Tried);
    }

    [Fact]
    public async Task A_target_retries_before_its_group_moves_on()
    {
        var route = Fallback(Provider("a", retry: Retry(2, 500)), Provider("b"));
        var request = new ScriptedRequest().Failing("a", Status(500, retryAfter: TimeSpan.Zero), Status(500, retryAfter: TimeSpan.Zero), Status(500));

        Assert.Null(await Runner.RunAsync(route, request));

        Assert.Equal(["a", "a", "a", "b"], request.Tried);
    }

    [Fact]
    public async Task Each_provider_target_is_tried_within_its_own_groups_timeout()
    {
        var inner = Single(Provider("b")) with { RequestTimeoutMs = 5_000 };
        var route = Fallback(Provider("a"), Nested(inner)) with { RequestTimeoutMs = 30_000 };
        var request = new ScriptedRequest().Failing("a", Unreachable());

        Assert.Null(await Runner.RunAsync(route, request));

        Assert.Equal([("a", TimeSpan.FromSeconds(30)), ("b", TimeSpan.FromSeconds(5))], request.Tries);
    }

    [Fact]
    public async Task A_single_route_tries_its_target_even_behind_an_open_circuit()
    {
        _circuits.Open("a");
        var request = new ScriptedRequest().Failing("a", Status(529));

        Assert.Equal(529, (await Runner.RunAsync(Single(Provider("a")), request))?.RawStatus);
        Assert.Equal(["a"], request.Tried);
    }
}
