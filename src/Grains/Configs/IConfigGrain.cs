using System.Collections.Immutable;

namespace Gateway.Grains.Configs;

/// <summary>A named routing config that keys and workspaces refer to by slug.</summary>
public interface IConfigGrain : IGrainWithStringKey
{
    /// <summary>Creates the config; 409 when the slug is taken, 400 when the config cannot be routed.</summary>
    Task<ConfigView> CreateAsync(ConfigDraft draft);

    /// <summary>Replaces the config (PUT); 404 when it does not exist.</summary>
    Task<ConfigView> ReplaceAsync(ConfigDraft draft);

    /// <summary>The config, or null.</summary>
    [ReadOnly]
    Task<ConfigView?> GetAsync();

    /// <summary>Deletes the config; keys naming it get 404 until they are pointed elsewhere.</summary>
    Task DeleteAsync();

    /// <summary>The parsed route for a request of <paramref name="workspace"/>; null when missing or not the workspace's.</summary>
    [ReadOnly]
    Task<RouteConfig?> GetRouteAsync(string workspace);

    /// <summary>The route and metadata of a request of <paramref name="workspace"/>; null when missing or not the workspace's.</summary>
    [ReadOnly]
    Task<ConfigAdmission?> AdmitAsync(string workspace);
}

/// <summary>A config as an admin sends it: the raw JSON is kept so GET returns what was PUT.</summary>
[GenerateSerializer, Immutable]
public sealed record ConfigDraft(
    [property: Id(0)] string? Workspace,
    [property: Id(1)] string Json,
    [property: Id(2)] ImmutableDictionary<string, string>? Metadata = null);

[GenerateSerializer, Immutable]
public sealed record ConfigView(
    [property: Id(0)] string Slug,
    [property: Id(1)] string? Workspace,
    [property: Id(2)] string Json,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] ImmutableDictionary<string, string> Metadata);

/// <summary>What a config gives a request it routes: the route, and the metadata layered under the key's (<see cref="Common.MetadataLayers"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record ConfigAdmission(
    [property: Id(0)] RouteConfig Route,
    [property: Id(1)] ImmutableDictionary<string, string> Metadata);
