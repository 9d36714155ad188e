using System.Collections.Immutable;
using Gateway.Api.DataPlane;
using Gateway.Api.Providers;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/providers</c>: credentials go in, never come back out.</summary>
public static class ProvidersApi
{
    public static RouteGroupBuilder MapProvidersApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/providers");
        group.MapPost("/", CreateAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{slug}", GetAsync);
        group.MapPatch("/{slug}", UpdateAsync);
        group.MapDelete("/{slug}", DeleteAsync);
        return admin;
    }

    public sealed record CreateProviderRequest(
        string? Slug,
        string? Kind,
        string? BaseUrl,
        Dictionary<string, string>? Credentials,
        string? Region,
        string? Project,
        List<string>? Models,
        List<string>? Workspaces,
        string? TokenUrl,
        Dictionary<string, string>? ModelIds);

    public sealed record UpdateProviderRequest(
        string? BaseUrl,
        Dictionary<string, string>? Credentials,
        string? Region,
        string? Project,
        List<string>? Models,
        List<string>? Workspaces,
        string? TokenUrl,
        Dictionary<string, string>? ModelIds);

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit, IOptions<DataPlaneOptions> options)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateProviderRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var slug = request!.Slug?.TrimStart('@');
        Slugs.Require(slug, "slug");
        if (request.Kind is null)
        {
            throw AdminException.Invalid("kind: required (anthropic, bedrock or vertex).");
        }
        if (request.Credentials is null)
        {
            throw AdminException.Invalid("credentials: required.");
        }
        CheckServiceAccount(request.Kind, request.Credentials);
        CheckAddresses(request.BaseUrl, request.TokenUrl, options.Value);
        var view = await grains.Provider(slug!).CreateAsync(new ProviderDraft(
            request.Kind, request.BaseUrl, request.Credentials.ToImmutableDictionary(), request.Region, request.Project,
            request.Models?.ToImmutableArray(), request.Workspaces?.ToImmutableArray(), request.TokenUrl, request.ModelIds?.ToImmutableDictionary()));
        await audit.RecordAsync(context, "provider", view.Slug, "created", $"credentials: {string.Join(", ", view.CredentialFields)}");
        return TypedResults.Json(view, AdminJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>A provider address at a link-local or metadata host is refused now (connections to one are refused anyway).</summary>
    private static void CheckAddresses(string? baseUrl, string? tokenUrl, DataPlaneOptions options)
    {
        if (options.AllowLinkLocalProviders)
        {
            return;
        }
        if (Providers.ProviderAddresses.Check(baseUrl) is { } problem)
        {
            throw AdminException.Invalid($"base_url: {problem}.");
        }
        if (Providers.ProviderAddresses.Check(tokenUrl) is { } tokenProblem)
        {
            throw AdminException.Invalid($"token_url: {tokenProblem}.");
        }
    }

    /// <summary>A Vertex key file whose private key cannot sign is refused now, not on the first request.</summary>
    private static void CheckServiceAccount(string kind, Dictionary<string, string> credentials)
    {
        if (kind == ProviderKinds.Vertex && credentials.TryGetValue("service_account_json", out var json)
            && Providers.Vertex.VertexTokens.Validate(json) is { } problem)
        {
            throw AdminException.Invalid($"credentials.service_account_json: {problem}");
        }
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Providers), cursor, limit, slug => grains.Provider(slug).GetAsync());
        return TypedResults.Json(page, AdminJson.Options);
    }

    private static async Task<IResult> GetAsync(string slug, IGrainFactory grains) =>
        await grains.Provider(slug.TrimStart('@')).GetAsync() is { } view
            ? TypedResults.Json(view, AdminJson.Options)
            : new AnthropicErrorResult(404, $"Provider '{slug}' does not exist.");

    private static async Task<IResult> UpdateAsync(string slug, HttpContext context, IGrainFactory grains, ProviderConnections connections, AuditLog audit,
        IOptions<DataPlaneOptions> options)
    {
        var (request, error) = await AdminJson.ReadAsync<UpdateProviderRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        slug = slug.TrimStart('@');
        CheckAddresses(request!.BaseUrl, request.TokenUrl, options.Value);
        if (request!.Credentials is { } credentials && await grains.Provider(slug).GetAsync() is { } current)
        {
            CheckServiceAccount(current.Kind, credentials);
        }
        var view = await grains.Provider(slug).UpdateAsync(new ProviderPatch(
            request!.BaseUrl, request.Credentials?.ToImmutableDictionary(), request.Region, request.Project,
            request.Models?.ToImmutableArray(), request.Workspaces?.ToImmutableArray(), request.TokenUrl, request.ModelIds?.ToImmutableDictionary()));
        connections.Invalidate(slug);
        await audit.RecordAsync(context, "provider", slug, request.Credentials is null ? "updated" : "credentials_rotated");
        return TypedResults.Json(view, AdminJson.Options);
    }

    private static async Task<IResult> DeleteAsync(string slug, HttpContext context, IGrainFactory grains, ProviderConnections connections, AuditLog audit)
    {
        slug = slug.TrimStart('@');
        await grains.Provider(slug).DeleteAsync();
        connections.Invalidate(slug);
        await audit.RecordAsync(context, "provider", slug, "deleted");
        return TypedResults.NoContent();
    }
}
