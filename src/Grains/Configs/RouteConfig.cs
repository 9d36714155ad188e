using System.Collections.Immutable;

namespace Gateway.Grains.Configs;

/// <summary>
/// A parsed routing config (or one nested group of it): how a request picks its provider target(s) and when it
/// moves on to the next one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RouteConfig(
    [property: Id(0)] string Mode,
    [property: Id(1)] ImmutableArray<RouteTarget> Targets,
    [property: Id(2)] int RequestTimeoutMs,
    [property: Id(3)] ImmutableArray<int> OnStatusCodes)
{
    public const int DefaultRequestTimeoutMs = 600_000;

    /// <summary>Provider statuses a fallback moves on from unless the config names its own; connection failures and timeouts always do.</summary>
    public static readonly ImmutableArray<int> DefaultFallbackStatusCodes = [408, 429, 500, 502, 503, 504, 529];

    /// <summary>A single-target route to one provider with no overrides.</summary>
    public static RouteConfig SingleProvider(string provider) =>
        new(RouteModes.Single, [new RouteTarget(provider, null)], DefaultRequestTimeoutMs, DefaultFallbackStatusCodes);

    /// <summary>Every provider slug the route (with its nested groups) may send to, in config order, each once.</summary>
    public IEnumerable<string> Providers() => Targets
        .SelectMany(t => t.Group is { } group ? group.Providers() : [t.Provider!])
        .Distinct(StringComparer.Ordinal);

    /// <summary>Every model the route may ask a provider for when the client asks for <paramref name="requested"/>.</summary>
    public IEnumerable<string> Models(string requested) => Candidates(requested).Select(c => c.Model).Distinct(StringComparer.Ordinal);

    /// <summary>Every provider and the model it would be asked for when the client asks for <paramref name="requested"/>.</summary>
    public IEnumerable<(string Provider, string Model)> Candidates(string requested) => Targets
        .SelectMany(t => t.Group is { } group ? group.Candidates(requested) : [(t.Provider!, t.OverrideModel ?? requested)])
        .Distinct();
}

/// <summary>One target of a route: a provider (with overrides and retries) or a nested group.</summary>
[GenerateSerializer, Immutable]
public sealed record RouteTarget(
    [property: Id(0)] string? Provider,
    [property: Id(1)] string? OverrideModel,
    [property: Id(2)] int Weight = 1,
    [property: Id(3)] RetryPolicy? Retry = null,
    [property: Id(4)] RouteConfig? Group = null);

/// <summary>How often a target is tried again, and on which provider statuses (connection failures and timeouts always count).</summary>
[GenerateSerializer, Immutable]
public sealed record RetryPolicy(
    [property: Id(0)] int Attempts,
    [property: Id(1)] ImmutableArray<int> OnStatusCodes)
{
    public static readonly ImmutableArray<int> DefaultStatusCodes = [429, 500, 502, 503, 504, 529];
}

public static class RouteModes
{
    public const string Single = "single";
    public const string Fallback = "fallback";
    public const string LoadBalance = "loadbalance";
}
