using Gateway.Grains;
using Gateway.Grains.Users;

namespace Gateway.Api.Admin.Access;

/// <summary>Whether a resource exists and the workspace it belongs to (null: org-wide, no workspace's).</summary>
public sealed record ResourceOwner(bool Exists, string? Workspace)
{
    public static readonly ResourceOwner Missing = new(false, null);
}

/// <summary>
/// A kind of resource an admin endpoint acts on: the route value that names it, how it is called in a 404, and how
/// its workspace is found. A new kind is one more instance here.
/// </summary>
/// <param name="RouteValue">The route parameter holding the resource's id.</param>
/// <param name="Label">The resource's kind as a 404 names it (<c>Key 'key_…' does not exist.</c>).</param>
/// <param name="FindOwnerAsync">The resource's owner, from its id.</param>
public sealed record AdminResource(string RouteValue, string Label, Func<IGrainFactory, string, Task<ResourceOwner>> FindOwnerAsync)
{
    /// <summary>A workspace belongs to itself.</summary>
    public static readonly AdminResource Workspace = new("id", "Workspace",
        async (grains, id) => await grains.Workspace(id).GetAsync() is null ? ResourceOwner.Missing : new ResourceOwner(true, id));

    /// <summary>A key belongs to its workspace.</summary>
    public static readonly AdminResource Key = new("id", "Key",
        async (grains, id) => KeysApi.IsKeyId(id) && await grains.ApiKey(id).GetAsync() is { } key
            ? new ResourceOwner(true, key.Workspace)
            : ResourceOwner.Missing);

    /// <summary>A config belongs to its workspace, or to none (org-wide: any workspace's keys may use it).</summary>
    public static readonly AdminResource Config = new("slug", "Config",
        async (grains, slug) => await grains.Config(slug).GetAsync() is { } config ? new ResourceOwner(true, config.Workspace) : ResourceOwner.Missing);

    /// <summary>A signed-on user belongs to the workspace their identity provider's rules place them in.</summary>
    public static readonly AdminResource User = new("id", "User",
        async (grains, id) => UserIds.IsValid(id) && await grains.User(id).GetAsync() is { } user
            ? new ResourceOwner(true, user.Workspace)
            : ResourceOwner.Missing);

    /// <summary>The answer to a resource that does not exist, or that the admin may not know exists.</summary>
    public string NotFound(string id) => $"{Label} '{id}' does not exist.";
}
