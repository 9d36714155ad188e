using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;
using Gateway.Grains.Providers;
using Gateway.Grains.Workspaces;

namespace Gateway.Grains;

/// <summary>
/// Typed access to the gateway's grains. Ids are prefixed with a kind tag because Orleans' ADO.NET storage
/// reads a string key that looks like hex ("abc", "0abc") as a number, which would make such ids collide.
/// </summary>
public static class GatewayGrains
{
    public static IWorkspaceGrain Workspace(this IGrainFactory grains, string id) => grains.GetGrain<IWorkspaceGrain>("w/" + id);

    public static IProviderGrain Provider(this IGrainFactory grains, string slug) => grains.GetGrain<IProviderGrain>("p/" + slug);

    public static IConfigGrain Config(this IGrainFactory grains, string slug) => grains.GetGrain<IConfigGrain>("c/" + slug);

    public static IApiKeyGrain ApiKey(this IGrainFactory grains, string keyId) => grains.GetGrain<IApiKeyGrain>("k/" + keyId);

    /// <summary>A registered OpenID Connect identity provider.</summary>
    public static Identity.IIdentityProviderGrain IdentityProvider(this IGrainFactory grains, string slug) =>
        grains.GetGrain<Identity.IIdentityProviderGrain>("i/" + slug);

    /// <summary>A signed-in user (<see cref="Users.UserIds"/>).</summary>
    public static Users.IUserGrain User(this IGrainFactory grains, string userId) => grains.GetGrain<Users.IUserGrain>("u/" + userId);

    public static Admin.IAdminTokensGrain AdminTokens(this IGrainFactory grains) => grains.GetGrain<Admin.IAdminTokensGrain>("a/org");

    public static ICatalogGrain Catalog(this IGrainFactory grains, string name) => grains.GetGrain<ICatalogGrain>("l/" + name);

    /// <summary>The budget and rate limits of a scope (<see cref="BudgetScopes"/>).</summary>
    public static IBudgetGrain Budget(this IGrainFactory grains, string scope) => grains.GetGrain<IBudgetGrain>("b/" + scope);

    /// <summary>The cluster's model catalog (the admins' layer over the shipped models and prices).</summary>
    public static Models.IModelCatalogGrain ModelCatalog(this IGrainFactory grains) => grains.GetGrain<Models.IModelCatalogGrain>("m/catalog");

    /// <summary>The resource id inside a grain's prefixed key.</summary>
    public static string ResourceId(this IAddressable grain) => grain.GetPrimaryKeyString()[2..];
}
