using Gateway.Api.Routing;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Tests.Api.Routing.Routes;

namespace Gateway.Tests.Api.Routing;

/// <summary>
/// Retries of one provider target: on the failures its policy names, after the wait the provider asked for or a
/// backoff, and never when the wait is too long or would outlast the request. Time is a fake clock: no test sleeps.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TargetRetryTests
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(100);
    private static readonly Gateway.Grains.Configs.RouteConfig Group = Single(Provider("a"));
    private readonly FakeTimeProvider _clock = new();
    private readonly TargetRetry _retry;

    public TargetRetryTests() => _retry = Retrying(_clock, BaseDelay, maxRetryAfter: TimeSpan.FromSeconds(10));

    [Fact]
    public async Task It_waits_what_the_provider_asked_for_before_trying_again()
    {
        var request = new ScriptedRequest().Failing("a", Status(429, retryAfter: TimeSpan.FromSeconds(2)));

        var run = _retry.RunAsync(Provider("a", retry: Retry(1, 429)), Group, request);
        _clock.Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.Single(request.Tries);
        Assert.False(run.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await run);
        Assert.Equal(2, request.Tries.Count);
    }

    [Fact]
    public async Task Without_a_retry_after_it_backs_off_and_gives_the_last_failure_when_the_attempts_are_spent()
    {
        var request = new ScriptedRequest().Failing("a", Status(500), Status(500));

        var run = _retry.RunAsync(Provider("a", retry: Retry(1, 500)), Group, request);
        // The wait is the base delay ±25 % (doubling per retry: see the backoff test).
        _clock.Advance(BaseDelay * 0.74);
        Assert.Single(request.Tries);
        Assert.False(run.IsCompleted);
        _clock.Advance(BaseDelay * 0.52);

        Assert.Equal(500, (await run)?.RawStatus);
        Assert.Equal(2, request.Tries.Count);
    }

    [Theory]
    [InlineData(10_001, 60)]
    [InlineData(2_000, 2)]
    public async Task A_wait_longer_than_allowed_or_than_the_request_has_left_is_not_waited(int retryAfterMs, int remainingSeconds)
    {
        var request = new ScriptedRequest { Remaining = TimeSpan.FromSeconds(remainingSeconds) }
            .Failing("a", Status(429, retryAfter: TimeSpan.FromMilliseconds(retryAfterMs)));

        var failure = await _retry.RunAsync(Provider("a", retry: Retry(3, 429)), Group, request);

        Assert.Equal(429, failure?.RawStatus);
        Assert.Single(request.Tries);
    }

    [Fact]
    public async Task Only_named_statuses_and_connection_failures_are_retried_and_an_unserved_target_never()
    {
        var target = Provider("a", retry: Retry(1, 500, 404));
        var other = new ScriptedRequest().Failing("a", Status(503));
        Assert.Equal(503, (await _retry.RunAsync(target, Group, other))?.RawStatus);
        var unserved = new ScriptedRequest().Failing("a", AttemptFailure.Unserved("model: nope"));
        Assert.True((await _retry.RunAsync(target, Group, unserved))?.NotServed);
        var refused = new ScriptedRequest().Failing("a", Unreachable(), Unreachable());
        var run = _retry.RunAsync(target, Group, refused);
        _clock.Advance(BaseDelay * 1.25);

        Assert.True((await run)?.Transport);
        Assert.Equal([1, 1, 2], new[] { other, unserved, refused }.Select(r => r.Tries.Count));
    }

    [Fact]
    public async Task A_client_leaving_during_the_wait_ends_the_route_and_is_recorded_once()
    {
        var request = new ScriptedRequest().Failing("a", Status(529, retryAfter: TimeSpan.FromSeconds(5)));

        var run = _retry.RunAsync(Provider("a", retry: Retry(2, 529)), Group, request);
        request.Leave();

        Assert.Null(await run);
        Assert.Equal(1, request.ClientLeft);
        Assert.Single(request.Tries);
    }

    [Fact]
    public void Backoff_doubles_per_retry_within_a_quarter_either_way()
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var nominal = BaseDelay * Math.Pow(2, attempt);
            var waits = Enumerable.Range(0, 200).Select(_ => _retry.Backoff(attempt)).ToList();
            Assert.All(waits, wait => Assert.InRange(wait, nominal * 0.75, nominal * 1.25));
            Assert.True(waits.Distinct().Count() > 100, "the waits are spread, so clients do not retry in step");
        }
    }

    [Theory]
    [InlineData(600_000, 5_000, 5_000)]
    [InlineData(30_000, 1_200_000, 30_000)]
    [InlineData(30_000, -50, 1)]
    public void Each_try_gets_the_groups_timeout_or_what_the_request_has_left(int groupMs, int remainingMs, int expectedMs)
    {
        var group = Group with { RequestTimeoutMs = groupMs };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), TargetRetry.AttemptTimeout(group, TimeSpan.FromMilliseconds(remainingMs)));
    }
}
