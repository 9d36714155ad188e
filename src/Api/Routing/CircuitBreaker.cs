using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary>
/// The circuit breaker as routing uses it: which targets are available to choose, and how one try's end counts
/// for its target's circuit (<see cref="TargetHealth"/> keeps the circuits).
/// </summary>
public sealed class CircuitBreaker(TargetHealth health)
{
    /// <summary>Whether a target may be chosen: a provider whose circuit is not open, or a group with any such target.</summary>
    public bool IsAvailable(RouteTarget target) =>
        target.Group is { } group ? group.Targets.Any(IsAvailable) : !health.IsOpen(target.Provider!);

    /// <summary>Enters <paramref name="provider"/>'s circuit for one try; dispose the result when the try is over.</summary>
    public CircuitTry Enter(string provider) => new(health, provider, health.Enter(provider));
}
