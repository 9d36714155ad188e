using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Admin.Access;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/configs</c>: named routing configs.</summary>
public static class ConfigsApi
{
    public static RouteGroupBuilder MapConfigsApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/configs").WithTags("Configs").ProducesErrors(StatusCodes.Status403Forbidden);
        group.MapPost("/", CreateAsync).WithSummary("Create a routing config (single, fallback or loadbalance targets)")
            .AcceptsJson<CreateConfigRequest>().ProducesErrors(StatusCodes.Status409Conflict).Requires(AdminAccess.WorkspaceManage);
        group.MapGet("/", ListAsync).WithSummary("List routing configs (a workspace admin's or analyst's own, and the org-wide ones)")
            .ProducesErrors(StatusCodes.Status400BadRequest).Requires(AdminAccess.WorkspaceRead);
        group.MapGet("/{slug}", GetAsync).WithSummary("Get a routing config").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceRead, AdminResource.Config);
        group.MapPut("/{slug}", ReplaceAsync).WithSummary("Replace a routing config").AcceptsJson<ReplaceConfigRequest>()
            .ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.WorkspaceManage, AdminResource.Config);
        group.MapDelete("/{slug}", DeleteAsync).WithSummary("Delete a routing config").ProducesErrors(StatusCodes.Status404NotFound)
            .Requires(AdminAccess.WorkspaceManage, AdminResource.Config);
        return admin;
    }

    /// <summary>A new routing config.</summary>
    /// <param name="Config">The routing config: <c>{strategy?: {mode: single|fallback|loadbalance, on_status_codes?}, targets: [{provider: "@slug",
    /// weight?, retry?, override_params?} or a nested group], request_timeout_ms?}</c>.</param>
    /// <param name="Workspace">The workspace it belongs to (any workspace's keys may use it when left out).</param>
    /// <param name="Metadata">Chargeback metadata of the requests it routes: over the workspace's, under the key's.</param>
    public sealed record CreateConfigRequest(string? Slug, JsonElement Config, string? Workspace = null, Dictionary<string, string>? Metadata = null);

    /// <summary>A routing config's new content: <c>config</c>, <c>workspace</c> and <c>metadata</c> all replaced (one left out is cleared).</summary>
    public sealed record ReplaceConfigRequest(JsonElement Config, string? Workspace = null, Dictionary<string, string>? Metadata = null);

    /// <summary>A config as the API shows it: the routing JSON as an object, as it was sent, and its metadata.</summary>
    public sealed record ConfigResponse(
        string Slug,
        string? Workspace,
        JsonNode? Config,
        ImmutableDictionary<string, string> Metadata,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt)
    {
        public static ConfigResponse From(ConfigView view) =>
            new(view.Slug, view.Workspace, JsonNode.Parse(view.Json), view.Metadata, view.CreatedAt, view.UpdatedAt);
    }

    private static async Task<Results<Created<ConfigResponse>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateConfigRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Slug, "slug");
        var draft = await DraftAsync(context, request.Workspace, request.Config, request.Metadata, grains);
        var view = await grains.Config(request.Slug!).CreateAsync(draft);
        await audit.RecordAsync(context, "config", view.Slug, "created", workspace: view.Workspace);
        return TypedResults.Created($"/admin/v1/configs/{view.Slug}", ConfigResponse.From(view));
    }

    private static async Task<Results<Ok<ListPage<ConfigResponse>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging, HttpContext context,
        IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var admin = AdminAuth.Principal(context);
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Configs), cursor, limit,
            async slug => await grains.Config(slug).GetAsync() is { } view && AdminPolicy.MayRead(admin, view.Workspace) ? ConfigResponse.From(view) : null);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<ConfigResponse>, AnthropicErrorResult>> GetAsync(string slug, IGrainFactory grains) =>
        await grains.Config(slug).GetAsync() is { } view
            ? TypedResults.Ok(ConfigResponse.From(view))
            : new AnthropicErrorResult(404, $"Config '{slug}' does not exist.");

    private static async Task<Results<Ok<ConfigResponse>, AnthropicErrorResult>> ReplaceAsync(string slug, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<ReplaceConfigRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var draft = await DraftAsync(context, request!.Workspace, request.Config, request.Metadata, grains);
        var view = await grains.Config(slug).ReplaceAsync(draft);
        await audit.RecordAsync(context, "config", slug, "replaced", workspace: view.Workspace);
        return TypedResults.Ok(ConfigResponse.From(view));
    }

    private static async Task<NoContent> DeleteAsync(string slug, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var workspace = (await grains.Config(slug).GetAsync())?.Workspace;
        await grains.Config(slug).DeleteAsync();
        await audit.RecordAsync(context, "config", slug, "deleted", workspace: workspace);
        return TypedResults.NoContent();
    }

    private static async Task<ConfigDraft> DraftAsync(HttpContext context, string? workspace, JsonElement config,
        Dictionary<string, string>? metadata, IGrainFactory grains)
    {
        if (config.ValueKind == JsonValueKind.Undefined)
        {
            throw AdminException.Invalid("config: required.");
        }
        // A workspace admin's configs stay in its workspaces: none may be made org-wide or moved to another's.
        AdminPolicy.RequireManaged(AdminAuth.Principal(context), workspace, "workspace");
        if (workspace is not null && await grains.Workspace(workspace).GetAsync() is null)
        {
            throw AdminException.Invalid($"workspace: '{workspace}' does not exist.");
        }
        var json = config.GetRawText();
        var route = RouteConfigParser.Parse(json);
        foreach (var provider in route.Providers())
        {
            if (await grains.Provider(provider).GetAsync() is null)
            {
                throw AdminException.Invalid($"config.targets: provider '@{provider}' does not exist.");
            }
        }
        return new ConfigDraft(workspace, json, metadata?.ToImmutableDictionary());
    }
}
