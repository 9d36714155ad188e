using System.Collections.Immutable;
using Gateway.Api.Admin.Access;
using Gateway.Api.DataPlane;
using Gateway.Api.Providers;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/providers</c>: credentials go in, never come back out.</summary>
public static class ProvidersApi
{
    public static RouteGroupBuilder MapProvidersApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/providers").WithTags("Providers").ProducesErrors(StatusCodes.Status403Forbidden).Requires(AdminAccess.OrgAdmin);
        group.MapPost("/", CreateAsync).WithSummary("Create a provider connection (anthropic, bedrock or vertex)")
            .AcceptsJson<CreateProviderRequest>().ProducesErrors(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithSummary("List provider connections (credentials never shown)").ProducesErrors(StatusCodes.Status400BadRequest);
        group.MapGet("/{slug}", GetAsync).WithSummary("Get a provider connection").ProducesErrors(StatusCodes.Status404NotFound);
        group.MapPatch("/{slug}", UpdateAsync).WithSummary("Change a provider connection (credentials given replace the old ones)")
            .AcceptsJson<UpdateProviderRequest>().ProducesErrors(StatusCodes.Status404NotFound);
        group.MapDelete("/{slug}", DeleteAsync).WithSummary("Delete a provider connection").ProducesErrors(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>The fields of a provider connection an admin sets, on creation and on change.</summary>
    public abstract record ProviderFields
    {
        /// <summary>Overrides the provider's public endpoint (private endpoints, proxies).</summary>
        public string? BaseUrl { get; init; }

        /// <summary>
        /// anthropic <c>{api_key}</c>; bedrock <c>{access_key_id, secret_access_key, session_token?}</c> or <c>{api_key}</c>; vertex
        /// <c>{service_account_json}</c>. Never shown again; on a change, they replace the old ones.
        /// </summary>
        public Dictionary<string, string>? Credentials { get; init; }

        public string? Region { get; init; }

        public string? Project { get; init; }

        public List<string>? Models { get; init; }

        /// <summary>The workspaces that may use it (every workspace when left out).</summary>
        public List<string>? Workspaces { get; init; }

        public string? TokenUrl { get; init; }

        /// <summary>The provider's own id for a model, overriding or extending the catalog.</summary>
        public Dictionary<string, string>? ModelIds { get; init; }
    }

    /// <summary>A new provider connection: <c>slug</c>, <c>kind</c> (<c>anthropic</c>, <c>bedrock</c> or <c>vertex</c>) and <c>credentials</c> are required.</summary>
    public sealed record CreateProviderRequest : ProviderFields
    {
        public string? Slug { get; init; }

        public string? Kind { get; init; }
    }

    /// <summary>A change to a provider connection: fields left out stay as they are.</summary>
    public sealed record UpdateProviderRequest : ProviderFields;

    private static async Task<Results<Created<ProviderView>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains, AuditLog audit,
        IOptions<DataPlaneOptions> options)
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
        return TypedResults.Created($"/admin/v1/providers/{view.Slug}", view);
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

    private static async Task<Results<Ok<ListPage<ProviderView>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging, IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var page = await AdminPaging.LoadAsync(grains.Catalog(Catalogs.Providers), cursor, limit, slug => grains.Provider(slug).GetAsync());
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<ProviderView>, AnthropicErrorResult>> GetAsync(string slug, IGrainFactory grains) =>
        await grains.Provider(slug.TrimStart('@')).GetAsync() is { } view
            ? TypedResults.Ok(view)
            : new AnthropicErrorResult(404, $"Provider '{slug}' does not exist.");

    private static async Task<Results<Ok<ProviderView>, AnthropicErrorResult>> UpdateAsync(string slug, HttpContext context, IGrainFactory grains, ProviderConnections connections, AuditLog audit,
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
        return TypedResults.Ok(view);
    }

    private static async Task<NoContent> DeleteAsync(string slug, HttpContext context, IGrainFactory grains, ProviderConnections connections, AuditLog audit)
    {
        slug = slug.TrimStart('@');
        await grains.Provider(slug).DeleteAsync();
        connections.Invalidate(slug);
        await audit.RecordAsync(context, "provider", slug, "deleted");
        return TypedResults.NoContent();
    }
}
