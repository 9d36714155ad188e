using System.Collections.Immutable;
using Gateway.Grains.Budgets;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;

namespace Gateway.Grains.Workspaces;

/// <summary>
/// Who is asking on the data plane, as admission names them: a gateway key, or a signed-in user (with the name error
/// messages use, e.g. "key", "user").
/// </summary>
/// <param name="Id">The grain id of the caller (key id or user id), which the workspace is told.</param>
[GenerateSerializer, Immutable]
public sealed record AdmissionCaller(
    [property: Id(0)] string Id,
    [property: Id(1)] string? KeyId,
    [property: Id(2)] string? UserId,
    [property: Id(3)] string Noun);

/// <summary>
/// The part of admission that does not depend on the request: a caller's workspace, route, metadata and budget
/// scopes, resolved from a workspace and an optional routing config. Shared by keys and signed-in users.
/// </summary>
public static class WorkspaceResolution
{
    /// <param name="ownScope">The caller's own budget scope, given the workspace's answer (a user's defaults come from it); null for none.</param>
    public static async Task<Admission> ResolveAsync(IGrainFactory grains, AdmissionCaller caller, string workspaceId, string? config,
        ImmutableDictionary<string, string> ownMetadata, Func<WorkspaceAdmission, ScopedPolicy?> ownScope, ImmutableArray<string>? models)
    {
        var workspace = await grains.Workspace(workspaceId).AdmitAsync(caller.Id);
        if (!workspace.Active)
        {
            return Admission.Refused(AdmissionRefusal.WorkspaceGone, $"The {caller.Noun}'s workspace '{workspaceId}' no longer exists.");
        }

        RouteConfig route;
        var configMetadata = ImmutableDictionary<string, string>.Empty;
        if ((config ?? workspace.DefaultConfig) is { } configSlug)
        {
            var configured = await grains.Config(configSlug).AdmitAsync(workspaceId);
            if (configured is null)
            {
                return Admission.Refused(AdmissionRefusal.ConfigNotFound, $"Routing config '{configSlug}' does not exist.");
            }
            (route, configMetadata) = (configured.Route, configured.Metadata);
        }
        else
        {
            var (implicitRoute, problem) = await FindImplicitRouteAsync(grains, workspaceId, caller.Noun);
            if (implicitRoute is null)
            {
                return Admission.Refused(AdmissionRefusal.ConfigNotFound, problem!);
            }
            route = implicitRoute;
        }

        // The request's own metadata is layered under these by the front.
        var metadata = new MetadataLayers(workspace.Metadata, configMetadata, ownMetadata);
        var scopes = ImmutableArray.CreateBuilder<ScopedPolicy>(2);
        if (ownScope(workspace) is { } own)
        {
            scopes.Add(own);
        }
        if (!workspace.Policy.IsEmpty)
        {
            scopes.Add(new ScopedPolicy(BudgetScopes.Workspace(workspaceId), workspace.Policy));
        }
        return Admission.Allowed(new AdmittedRequest(caller.KeyId, workspaceId, metadata.Over(ImmutableDictionary<string, string>.Empty), route,
            models, scopes.ToImmutable(), workspace.Logging, metadata, workspace.MetadataPolicy, caller.UserId));
    }

    private static async Task<(RouteConfig?, string?)> FindImplicitRouteAsync(IGrainFactory grains, string workspace, string noun)
    {
        // A provider dedicated to the workspace (it lists the workspace) wins over providers open to every workspace.
        var dedicated = new List<string>();
        var shared = new List<string>();
        var catalog = grains.Catalog(Catalogs.Providers);
        for (string? after = null; ;)
        {
            var page = await catalog.ListAsync(after, 200);
            foreach (var connection in await Task.WhenAll(page.Ids.Select(p => grains.Provider(p).GetConnectionAsync())))
            {
                if (connection is { Workspaces: { } listed } && listed.Contains(workspace))
                {
                    dedicated.Add(connection.Slug);
                }
                else if (connection is { Workspaces: null })
                {
                    shared.Add(connection.Slug);
                }
            }
            if (!page.HasMore)
            {
                break;
            }
            after = page.Ids[^1];
        }
        var candidates = dedicated.Count > 0 ? dedicated : shared;
        return candidates.Count switch
        {
            1 => (RouteConfig.SingleProvider(candidates[0]), null),
            0 => (null, $"No provider is configured for this {noun}'s workspace."),
            _ => (null, $"Several providers are available; set a routing config on the {noun} or a default_config on its workspace."),
        };
    }
}
