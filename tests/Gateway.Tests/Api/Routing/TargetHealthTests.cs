using Gateway.Api.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Api.Routing;

/// <summary>The circuit breaker: opens after consecutive failures, lets exactly one probe through, backs off.</summary>
[Trait("Category", "Unit")]
public sealed class TargetHealthTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly TargetHealth _health;

    public TargetHealthTests() => _health = new TargetHealth(Options.Create(new RoutingOptions
    {
        BreakerFailures = 3,
        BreakerOpenFor = TimeSpan.FromSeconds(10),
        BreakerMaxOpenFor = TimeSpan.FromSeconds(25),
    }), _clock);

    [Fact]
    public void Consecutive_failures_open_the_circuit_and_a_success_in_between_resets_the_count()
    {
        Fail("a", 2);
        _health.Succeeded("a");
        Fail("a", 2);
        Assert.False(_health.IsOpen("a"));
        Fail("a", 1);
        Assert.True(_health.IsOpen("a"));
        Assert.Equal(CircuitEntry.Open, _health.Enter("a"));
        Assert.Equal(CircuitEntry.Closed, _health.Enter("b"));
    }

    [Fact]
    public void One_probe_at_a_time_and_failed_probes_double_the_open_period_up_to_the_cap()
    {
        Fail("a", 3);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(_health.IsOpen("a"));
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
        Assert.Equal(CircuitEntry.Open, _health.Enter("a"));
        Assert.True(_health.IsOpen("a"));

        // A request forced past the open circuit (its route had nothing else) fails: only the probe decides.
        _health.Failed("a", CircuitEntry.Open);
        Assert.True(_health.IsOpen("a"));
        _health.Failed("a", CircuitEntry.Probe);
        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.True(_health.IsOpen("a"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
        _health.Failed("a", CircuitEntry.Probe);
        _clock.Advance(TimeSpan.FromSeconds(24));
        Assert.Equal(CircuitEntry.Open, _health.Enter("a"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));

        _health.Succeeded("a");
        Assert.False(_health.IsOpen("a"));
        Assert.Equal(CircuitEntry.Closed, _health.Enter("a"));
        Assert.Equal(CircuitEntry.Closed, _health.Enter("a"));
    }

    [Fact]
    public void A_probe_given_back_lets_the_next_request_probe()
    {
        Fail("a", 3);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
        _health.Released("a", CircuitEntry.Open);
        Assert.Equal(CircuitEntry.Open, _health.Enter("a"));
        _health.Released("a", CircuitEntry.Probe);
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
    }

    [Fact]
    public async Task Concurrent_requests_after_the_open_period_claim_exactly_one_probe()
    {
        Fail("a", 3);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var entries = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => _health.Enter("a"))));
        Assert.Equal(1, entries.Count(e => e == CircuitEntry.Probe));
        Assert.Equal(63, entries.Count(e => e == CircuitEntry.Open));
    }

    [Fact]
    public void States_show_each_failed_targets_circuit_closed_open_or_half_open()
    {
        Fail("a", 3);
        Fail("b", 1);
        Assert.Equal(new Dictionary<string, CircuitState> { ["a"] = CircuitState.Open, ["b"] = CircuitState.Closed }, _health.States().ToDictionary());

        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitState.HalfOpen, _health.States().ToDictionary()["a"]);
        Assert.Equal(CircuitEntry.Probe, _health.Enter("a"));
        Assert.Equal(CircuitState.HalfOpen, _health.States().ToDictionary()["a"]);
        _health.Succeeded("a");
        Assert.Equal(CircuitState.Closed, _health.States().ToDictionary()["a"]);
    }

    private void Fail(string target, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _health.Failed(target, _health.Enter(target));
        }
    }
}
