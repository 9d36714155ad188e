namespace Gateway.Grains.Catalog;

/// <summary>
/// The ids of one kind of resource (<c>workspaces</c>, <c>providers</c>, <c>configs</c>, <c>keys</c>,
/// <c>keys@{workspace}</c>, <c>identity-providers</c>, <c>users</c>, <c>users@{workspace}</c>), so the admin API can list what the single-resource grains hold.
/// </summary>
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>Adds an id; adding one that is present changes nothing.</summary>
    Task AddAsync(string id);

    /// <summary>Removes an id, if present.</summary>
    Task RemoveAsync(string id);

    /// <summary>Up to <paramref name="limit"/> ids in ascending order, starting after <paramref name="afterId"/>.</summary>
    [ReadOnly]
    Task<CatalogPage> ListAsync(string? afterId, int limit);
}

/// <summary>One page of ids and whether more follow.</summary>
[GenerateSerializer, Immutable]
public sealed record CatalogPage([property: Id(0)] IReadOnlyList<string> Ids, [property: Id(1)] bool HasMore);

/// <summary>Names of the catalogs.</summary>
public static class Catalogs
{
    public const string Workspaces = "workspaces";
    public const string Providers = "providers";
    public const string Configs = "configs";
    public const string Keys = "keys";
    public const string IdentityProviders = "identity-providers";
    public const string Users = "users";

    public static string KeysOf(string workspace) => $"keys@{workspace}";

    /// <summary>The signed-in users placed in a workspace.</summary>
    public static string UsersOf(string workspace) => $"users@{workspace}";
}
