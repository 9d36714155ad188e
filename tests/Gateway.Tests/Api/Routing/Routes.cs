using Gateway.Api.Providers;
using Gateway.Api.Routing;
using Gateway.Grains.Configs;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Api.Routing;

/// <summary>Routes, failures, circuits and policies for the routing tests, built the way the parser and the gateway build them.</summary>
internal static class Routes
{
    public static RouteTarget Provider(string slug, int weight = 1, RetryPolicy? retry = null) => new(slug, null, weight, retry);

    public static RouteTarget Nested(RouteConfig group, int weight = 1) => new(null, null, weight, null, group);

    public static RouteConfig Single(RouteTarget target) => Group(RouteModes.Single, [target]);

    public static RouteConfig Fallback(params RouteTarget[] targets) => Group(RouteModes.Fallback, targets);

    public static RouteConfig LoadBalance(params RouteTarget[] targets) => Group(RouteModes.LoadBalance, targets);

    /// <summary>The provider answered <paramref name="status"/> (mapped to <paramref name="mapped"/>), asking for <paramref name="retryAfter"/>.</summary>
    public static AttemptFailure Status(int status, int? mapped = null, TimeSpan? retryAfter = null) =>
        AttemptFailure.Answered(new ProviderError(mapped ?? status, "api_error", $"status {status}"), status, retryAfter, [], null);

    public static AttemptFailure Unreachable() =>
        AttemptFailure.TransportFault(502, Gateway.Projections.Usage.UsageOutcomes.ProviderFailed, "connection refused");

    public static RetryPolicy Retry(int attempts, params int[] statuses) => new(attempts, [.. statuses]);

    /// <summary>Circuits that open on one failure and stay open for a minute.</summary>
    public static TargetHealth Circuits(FakeTimeProvider? clock = null) =>
        new(Settings(new RoutingOptions { BreakerFailures = 1, BreakerOpenFor = TimeSpan.FromMinutes(1) }), clock ?? new FakeTimeProvider());

    public static void Open(this TargetHealth health, params string[] providers)
    {
        foreach (var provider in providers)
        {
            health.Failed(provider, health.Enter(provider));
        }
    }

    /// <summary>The whole route walk as the gateway runs it, on a clock that only moves when a test moves it.</summary>
    public static RouteRunner Runner(TargetHealth circuits) => new(new CircuitBreaker(circuits), Settings(new RoutingOptions()), new FakeTimeProvider());

    /// <summary>Retries on <paramref name="clock"/>: the backoff starts at <paramref name="baseDelay"/>; a provider may ask for up to <paramref name="maxRetryAfter"/>.</summary>
    public static TargetRetry Retrying(FakeTimeProvider clock, TimeSpan baseDelay, TimeSpan maxRetryAfter) =>
        new(Settings(new RoutingOptions { RetryBaseDelay = baseDelay, MaxRetryAfter = maxRetryAfter }), clock, new Random(3));

    /// <summary>Runs a provider target once, as a group's policy would without retries.</summary>
    public static RunTarget Once(IRoutedRequest request) => target => request.TryAsync(target, TimeSpan.FromSeconds(1));

    private static RouteConfig Group(string mode, RouteTarget[] targets) =>
        new(mode, [.. targets], RouteConfig.DefaultRequestTimeoutMs, RouteConfig.DefaultFallbackStatusCodes);

    private static Microsoft.Extensions.Options.IOptions<RoutingOptions> Settings(RoutingOptions options) =>
        Microsoft.Extensions.Options.Options.Create(options);
}
