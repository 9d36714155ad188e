using Gateway.Api.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Api.Routing;

/// <summary>The circuit breaker: opens after consecutive failures, lets exactly one probe through, backs off.</summary>
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
        _health.Failed("a");
        _health.Failed("a");
        _health.Succeeded("a");
        _health.Failed("a");
        _health.Failed("a");
        Assert.False(_health.IsOpen("a"));
        _health.Failed("a");
        Assert.True(_health.IsOpen("a"));
        Assert.False(_health.TryEnter("a"));
        Assert.False(_health.IsOpen("b"));
    }

    [Fact]
    public void One_probe_at_a_time_and_failed_probes_double_the_open_period_up_to_the_cap()
    {
        Open("a");
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(_health.IsOpen("a"));
        Assert.True(_health.TryEnter("a"));
        Assert.False(_health.TryEnter("a"));
        Assert.True(_health.IsOpen("a"));

        _health.Failed("a");
        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.True(_health.IsOpen("a"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_health.TryEnter("a"));
        _health.Failed("a");
        _clock.Advance(TimeSpan.FromSeconds(25));
        Assert.True(_health.TryEnter("a"));

        _health.Succeeded("a");
        Assert.False(_health.IsOpen("a"));
        Assert.True(_health.TryEnter("a"));
        Assert.True(_health.TryEnter("a"));
    }

    [Fact]
    public void A_probe_whose_client_left_lets_the_next_request_probe()
    {
        Open("a");
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(_health.TryEnter("a"));
        _health.Released("a");
        Assert.True(_health.TryEnter("a"));
    }

    private void Open(string target)
    {
        for (var i = 0; i < 3; i++)
        {
            _health.Failed(target);
        }
        Assert.True(_health.IsOpen(target));
    }
}
