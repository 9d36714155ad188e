using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary>Runs one target of a group: a nested group as a whole, or a provider target with its retries.</summary>
public delegate Task<AttemptFailure?> RunTarget(RouteTarget target);

/// <summary>How one group of a route (<see cref="RouteModes"/>) chooses among its targets and when it tries another.</summary>
public interface IRoutePolicy
{
    /// <summary>Runs <paramref name="group"/> for <paramref name="request"/>; the failure the client gets, or null when it got an answer.</summary>
    Task<AttemptFailure?> RunAsync(RouteConfig group, IRoutedRequest request, RunTarget runTarget);
}
