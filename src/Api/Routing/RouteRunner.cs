using Gateway.Grains.Configs;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Routing;

/// <summary>
/// Walks a key's route for one request: each group by its mode's policy, nested groups as a whole, provider
/// targets with their retries. Moving on to another target happens only while nothing has reached the client.
/// </summary>
public sealed class RouteRunner(CircuitBreaker breaker, IOptions<RoutingOptions> options, TimeProvider clock)
{
    private readonly SingleRoute _single = new();
    private readonly FallbackRoute _fallback = new(breaker);
    private readonly LoadBalanceRoute _loadBalance = new(breaker, Random.Shared);
    private readonly TargetRetry _retry = new(options, clock, Random.Shared);

    /// <summary>Runs <paramref name="route"/>; the failure the client gets when every target failed, or null when it got an answer.</summary>
    public Task<AttemptFailure?> RunAsync(RouteConfig route, IRoutedRequest request) =>
        PolicyFor(route.Mode).RunAsync(route, request, target => target.Group is { } nested
            ? RunAsync(nested, request)
            : _retry.RunAsync(target, route, request));

    private IRoutePolicy PolicyFor(string mode) => mode switch
    {
        RouteModes.LoadBalance => _loadBalance,
        RouteModes.Fallback => _fallback,
        _ => _single,
    };
}
