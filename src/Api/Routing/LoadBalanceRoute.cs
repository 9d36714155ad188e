using Gateway.Grains.Configs;

namespace Gateway.Api.Routing;

/// <summary>
/// <see cref="RouteModes.LoadBalance"/>: one target, drawn by weight. Load balancing spreads requests; it does not
/// fall back. An open circuit only steers the draw: the first available target in the weighted order is taken.
/// </summary>
public sealed class LoadBalanceRoute(CircuitBreaker breaker, Random random) : IRoutePolicy
{
    public Task<AttemptFailure?> RunAsync(RouteConfig group, IRoutedRequest request, RunTarget runTarget)
    {
        var order = WeightedOrder(group.Targets);
        return runTarget(order.FirstOrDefault(breaker.IsAvailable) ?? order[0]);
    }

    /// <summary>The targets in a random order where each comes first with probability weight / total.</summary>
    public IReadOnlyList<RouteTarget> WeightedOrder(IReadOnlyList<RouteTarget> targets)
    {
        var remaining = targets.ToList();
        var order = new List<RouteTarget>(remaining.Count);
        while (remaining.Count > 0)
        {
            var pick = random.Next(remaining.Sum(t => t.Weight));
            var index = 0;
            while (pick >= remaining[index].Weight)
            {
                pick -= remaining[index++].Weight;
            }
            order.Add(remaining[index]);
            remaining.RemoveAt(index);
        }
        return order;
    }
}
