using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/configs</c>: named routing configs.</summary>
public static class ConfigsApi
{
    public static RouteGroupBuilder MapConfigsApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/configs");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{slug}", GetAsync);
        group.MapPut("/{slug}", ReplaceAsync);
        group.MapDelete("/{slug}", DeleteAsync);
        return admin;
    }

    public sealed record CreateConfigRequest(string? Slug, string? Workspace, JsonElement Config);

    public sealed record ReplaceConfigRequest(string? Workspace, JsonElement Config);

    /// <summary>A config as the API shows it: the routing JSON as an object, as it was sent.</summary>
    public sealed record ConfigResponse(string Slug, string? Workspace, JsonNode? Config, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static ConfigResponse From(ConfigView view) =>
            new(view.Slug, view.Workspace, JsonNode.Parse(view.Json), view.CreatedAt, view.UpdatedAt);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateConfigRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Slug, "slug");
        var draft = await DraftAsync(request.Workspace, request.Config, grains);
        var view = await grains.Config(request.Slug!).CreateAsync(draft);
        await audit.RecordAsync(context, "config", view.Slug, "created");
        return TypedResults.Json(ConfigResponse.From(view), AdminJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Configs), cursor, limit,
            async slug => await grains.Config(slug).GetAsync() is { } view ? ConfigResponse.From(view) : null);
        return TypedResults.Json(page, AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string slug, IGrainFactory grains) =>
        await grains.Config(slug).GetAsync() is { } view
            ? TypedResults.Json(ConfigResponse.From(view), AdminJson.Options)
            : new AnthropicErrorResult(404, $"Config '{slug}' does not exist.");

    private static async Task<IResult> ReplaceAsync(string slug, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<ReplaceConfigRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var draft = await DraftAsync(request!.Workspace, request.Config, grains);
        var view = await grains.Config(slug).ReplaceAsync(draft);
        await audit.RecordAsync(context, "config", slug, "replaced");
        return TypedResults.Json(ConfigResponse.From(view), AdminJson.Options);
    }

    private static async Task<IResult> DeleteAsync(string slug, HttpContext context, IGrainFactory grains, AuditLog audit)
    {
        await grains.Config(slug).DeleteAsync();
        await audit.RecordAsync(context, "config", slug, "deleted");
        return TypedResults.NoContent();
    }

    private static async Task<ConfigDraft> DraftAsync(string? workspace, JsonElement config, IGrainFactory grains)
    {
        if (config.ValueKind == JsonValueKind.Undefined)
        {
            throw AdminException.Invalid("config: required.");
        }
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
        return new ConfigDraft(workspace, json);
    }
}
