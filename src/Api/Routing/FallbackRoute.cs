using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary>
/// <see cref="RouteModes.Fallback"/>: the targets in config order, moving on only after a failure that allows it
/// (<see cref="MovesOn"/>) and while the request has time left. Targets behind an open circuit are passed over
/// while any other target is available; when none is, each is tried anyway.
/// </summary>
public sealed class FallbackRoute(CircuitBreaker breaker) : IRoutePolicy
{
    public async Task<AttemptFailure?> RunAsync(RouteConfig group, IRoutedRequest request, RunTarget runTarget)
    {
        AttemptFailure? last = null;
        var anyAvailable = group.Targets.Any(breaker.IsAvailable);
        foreach (var target in group.Targets)
        {
            if (last is not null && request.Remaining <= TimeSpan.Zero)
            {
                return last;
            }
            if (anyAvailable && !breaker.IsAvailable(target))
            {
                foreach (var provider in Leaves(target))
                {
                    request.Skip(provider);
                }
                continue;
            }
            last = await runTarget(target);
            if (last is null || !MovesOn(group, last))
            {
                return last;
            }
        }
        return last;
    }

    /// <summary>
    /// Whether the group tries its next target after <paramref name="failure"/>: always after a connection failure,
    /// a timeout or a target that cannot serve the request; after a provider's error only on the group's statuses.
    /// </summary>
    public static bool MovesOn(RouteConfig group, AttemptFailure failure) =>
        failure.Transport || failure.NotServed || failure.HasStatusIn(group.OnStatusCodes);

    private static IEnumerable<string> Leaves(RouteTarget target) => target.Group is { } group ? group.Providers() : [target.Provider!];
}
