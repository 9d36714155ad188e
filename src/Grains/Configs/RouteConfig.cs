using System.Collections.Immutable;

namespace Gateway.Grains.Configs;

/// <summary>A parsed routing config: how a request picks its provider target(s).</summary>
[GenerateSerializer, Immutable]
public sealed record RouteConfig(
    [property: Id(0)] string Mode,
    [property: Id(1)] ImmutableArray<RouteTarget> Targets,
    [property: Id(2)] int RequestTimeoutMs)
{
    public const int DefaultRequestTimeoutMs = 600_000;

    /// <summary>A single-target route to one provider with no overrides.</summary>
    public static RouteConfig SingleProvider(string provider) =>
        new(RouteModes.Single, [new RouteTarget(provider, null)], DefaultRequestTimeoutMs);
}

/// <summary>One target of a route.</summary>
[GenerateSerializer, Immutable]
public sealed record RouteTarget(
    [property: Id(0)] string Provider,
    [property: Id(1)] string? OverrideModel);

public static class RouteModes
{
    public const string Single = "single";
    public const string Fallback = "fallback";
    public const string LoadBalance = "loadbalance";
}
