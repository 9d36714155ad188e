using Gateway.Api.Routing;
using static Gateway.Tests.Api.Routing.Routes;

namespace Gateway.Tests.Api.Routing;

/// <summary>How the end of a try counts for its target's circuit, and which targets routing may choose.</summary>
[Trait("Category", "Unit")]
public sealed class CircuitBreakerTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new();
    private readonly TargetHealth _health;
    private readonly CircuitBreaker _breaker;

    public CircuitBreakerTests()
    {
        _health = Circuits(_clock);
        _breaker = new CircuitBreaker(_health);
    }

    [Fact]
    public void Only_a_fault_of_the_target_opens_its_circuit()
    {
        using (var circuit = _breaker.Enter("a"))
        {
            circuit.Failed(Status(400));
        }
        Assert.True(_breaker.IsAvailable(Provider("a")));

        using (var circuit = _breaker.Enter("a"))
        {
            circuit.Failed(Status(529));
        }
        Assert.False(_breaker.IsAvailable(Provider("a")));
    }

    [Fact]
    public void A_stream_that_broke_after_its_first_byte_counts_against_the_target()
    {
        using (var circuit = _breaker.Enter("a"))
        {
            circuit.Answered(failedMidStream: true, clientLeft: false);
        }

        Assert.False(_breaker.IsAvailable(Provider("a")));
    }

    [Fact]
    public void A_probe_that_answers_closes_the_circuit()
    {
        _health.Open("a");
        _clock.Advance(TimeSpan.FromMinutes(1));

        using (var probe = _breaker.Enter("a"))
        {
            Assert.False(_breaker.IsAvailable(Provider("a")));
            probe.Answered(failedMidStream: false, clientLeft: false);
        }

        Assert.True(_breaker.IsAvailable(Provider("a")));
        Assert.Equal(CircuitEntry.Closed, _health.Enter("a"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_probe_that_ends_without_a_verdict_is_given_back_for_the_next_request(bool clientLeft)
    {
        _health.Open("a");
        _clock.Advance(TimeSpan.FromMinutes(1));

        using (var probe = _breaker.Enter("a"))
        {
            if (clientLeft)
            {
                probe.Answered(failedMidStream: false, clientLeft: true);
            }
            // Otherwise the gateway itself failed mid-try: no report at all.
        }

        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
    }

    [Fact]
    public void A_group_is_available_while_any_of_its_providers_is()
    {
        _health.Open("a", "b");
        var inner = Fallback(Provider("b"), Provider("c"));

        Assert.True(_breaker.IsAvailable(Nested(Fallback(Provider("a"), Nested(inner)))));

        _health.Open("c");
        Assert.False(_breaker.IsAvailable(Nested(Fallback(Provider("a"), Nested(inner)))));
    }
}
