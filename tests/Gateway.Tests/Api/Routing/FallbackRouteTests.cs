using Gateway.Api.Routing;
using static Gateway.Tests.Api.Routing.Routes;

namespace Gateway.Tests.Api.Routing;

/// <summary>
/// Fallback: the targets in order, moving on only after a failure that allows it, past open circuits, and only
/// while the request has time left.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FallbackRouteTests
{
    private readonly TargetHealth _circuits;
    private readonly FallbackRoute _fallback;

    public FallbackRouteTests() => _fallback = new FallbackRoute(new CircuitBreaker(_circuits = Circuits()));

    [Fact]
    public async Task It_moves_on_after_a_status_the_group_names_and_stops_at_the_first_answer()
    {
        var request = new ScriptedRequest().Failing("a", Status(529));

        var failure = await RunAsync(Fallback(Provider("a"), Provider("b"), Provider("c")), request);

        Assert.Null(failure);
        Assert.Equal(["a", "b"], request.Tried);
    }

    [Fact]
    public async Task A_status_the_group_does_not_name_ends_the_route_with_that_failure()
    {
        var request = new ScriptedRequest().Failing("a", Status(400));

        var failure = await RunAsync(Fallback(Provider("a"), Provider("b")), request);

        Assert.Equal(400, failure?.Error.Status);
        Assert.Equal(["a"], request.Tried);
    }

    [Fact]
    public async Task Connection_failures_and_targets_that_cannot_serve_always_move_on()
    {
        var group = Fallback(Provider("refused"), Provider("unknown"), Provider("busy"), Provider("spare"))
            with
        { OnStatusCodes = [418] };
        var request = new ScriptedRequest()
            .Failing("refused", Unreachable())
            .Failing("unknown", AttemptFailure.Unserved("model: nope"))
            .Failing("busy", Status(503));

        var failure = await RunAsync(group, request);

        Assert.Equal(503, failure?.RawStatus);
        Assert.Equal(["refused", "unknown", "busy"], request.Tried);
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(529, true)]
    [InlineData(500, false)]
    public void The_providers_own_status_and_the_mapped_one_both_count(int named, bool movesOn)
    {
        // Bedrock's 503 reaches the client as Anthropic's 529.
        var group = Fallback(Provider("a")) with { OnStatusCodes = [named] };

        Assert.Equal(movesOn, FallbackRoute.MovesOn(group, Status(503, mapped: 529)));
    }

    [Fact]
    public async Task Targets_behind_open_circuits_are_skipped_and_kept_for_the_log_while_another_is_available()
    {
        _circuits.Open("a", "b", "c");
        var group = Fallback(Provider("a"), Nested(Fallback(Provider("b"), Provider("c"))), Provider("d"));
        var request = new ScriptedRequest();

        Assert.Null(await RunAsync(group, request));

        Assert.Equal(["a", "b", "c"], request.Skipped);
        Assert.Equal(["d"], request.Tried);
    }

    [Fact]
    public async Task With_every_circuit_open_each_target_is_tried_anyway()
    {
        _circuits.Open("a", "b");
        var request = new ScriptedRequest().Failing("a", Status(503)).Failing("b", Status(503));

        var failure = await RunAsync(Fallback(Provider("a"), Provider("b")), request);

        Assert.Equal(503, failure?.RawStatus);
        Assert.Equal(["a", "b"], request.Tried);
        Assert.Empty(request.Skipped);
    }

    [Fact]
    public async Task Once_the_request_is_out_of_time_the_route_ends_with_the_last_failure()
    {
        var request = new ScriptedRequest { Remaining = TimeSpan.Zero }.Failing("a", Status(503));

        var failure = await RunAsync(Fallback(Provider("a"), Provider("b")), request);

        Assert.Equal(503, failure?.RawStatus);
        Assert.Equal(["a"], request.Tried);
    }

    /// <summary>Runs the group with each provider target tried once (nested groups by the same policy).</summary>
    private Task<AttemptFailure?> RunAsync(Gateway.Grains.Configs.RouteConfig group, ScriptedRequest request) =>
        _fallback.RunAsync(group, request, target => target.Group is { } nested ? RunAsync(nested, request) : Once(request)(target));
}
