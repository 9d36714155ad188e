using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary><see cref="RouteModes.Single"/>: the group's one target, whatever its circuit says (there is nothing else).</summary>
public sealed class SingleRoute : IRoutePolicy
{
    public Task<AttemptFailure?> RunAsync(RouteConfig group, IRoutedRequest request, RunTarget runTarget) => runTarget(group.Targets[0]);
}
