using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary>
/// The request a route is walked for, as routing sees it: it can be tried at a provider target, and it knows how
/// much time is left and whether the client is still there. The data plane implements it; routing never sees HTTP.
/// </summary>
public interface IRoutedRequest
{
    /// <summary>What is left of the request's time (<see cref="RoutingOptions.MaxRequestDuration"/>) for tries and waits.</summary>
    TimeSpan Remaining { get; }

    /// <summary>Cancelled when the client leaves.</summary>
    CancellationToken ClientAborted { get; }

    /// <summary>One try at a provider target, within <paramref name="timeout"/>; null when the client got an answer (or left).</summary>
    Task<AttemptFailure?> TryAsync(RouteTarget target, TimeSpan timeout);

    /// <summary>A provider target passed over because its circuit is open (kept for the usage event).</summary>
    void Skip(string provider);

    /// <summary>The client left while the route waited to retry: the request is recorded as such.</summary>
    Task ClientLeftAsync();
}
