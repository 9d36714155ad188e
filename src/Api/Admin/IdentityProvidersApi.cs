using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Api.Admin.Access;
using Gateway.Api.SignOn;
using Gateway.Grains;
using Gateway.Grains.Catalog;
using Gateway.Grains.Common;
using Gateway.Grains.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Admin;

/// <summary><c>/admin/v1/identity-providers</c>: the OpenID Connect issuers whose tokens sign users on (org admins only).</summary>
public static class IdentityProvidersApi
{
    private const int MaxIssuerLength = 512;

    public static RouteGroupBuilder MapIdentityProvidersApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/identity-providers").WithTags("Identity providers").ProducesErrors(StatusCodes.Status403Forbidden)
            .Requires(AdminAccess.OrgAdmin);
        group.MapPost("/", CreateAsync).WithSummary("Register an identity provider (an OpenID Connect issuer whose tokens sign users on)")
            .AcceptsJson<CreateIdentityProviderRequest>().ProducesErrors(StatusCodes.Status409Conflict);
        group.MapGet("/", ListAsync).WithSummary("List identity providers").ProducesErrors(StatusCodes.Status400BadRequest);
        group.MapGet("/{slug}", GetAsync).WithSummary("Get an identity provider").ProducesErrors(StatusCodes.Status404NotFound);
        group.MapPatch("/{slug}", UpdateAsync).WithSummary("Change an identity provider (fields left out stay; default_workspace null clears)")
            .AcceptsJson<UpdateIdentityProviderRequest>().ProducesErrors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        group.MapDelete("/{slug}", DeleteAsync).WithSummary("Remove an identity provider (its tokens are refused from then on)")
            .ProducesErrors(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>The fields of an identity provider an admin sets, on registration and on change.</summary>
    public abstract record IdentityProviderFields
    {
        /// <summary>The issuer (<c>iss</c>) exactly as its tokens name it; its discovery document is at <c>{issuer}/.well-known/openid-configuration</c>.</summary>
        public string? Issuer { get; init; }

        /// <summary>The audience (<c>aud</c>) its tokens must name.</summary>
        public string? Audience { get; init; }

        /// <summary>The claim that names the user: <c>oid</c>, <c>sub</c> (default), <c>upn</c> or <c>email</c>.</summary>
        public string? UserClaim { get; init; }

        /// <summary>The claim listing the user's groups (default <c>groups</c>).</summary>
        public string? GroupsClaim { get; init; }

        /// <summary>Metadata key → the claim its value comes from, e.g. <c>{"department": "department"}</c>.</summary>
        public Dictionary<string, string>? MetadataClaims { get; init; }

        /// <summary>Group → workspace rules, the first whose group the user is in wins.</summary>
        public List<GroupRuleJson>? Rules { get; init; }
    }

    /// <summary>Members of <c>group</c> sign on to <c>workspace</c>, through <c>config</c> (else the workspace's default), with <c>metadata</c>.</summary>
    public sealed record GroupRuleJson(string? Group, string? Workspace, string? Config = null, Dictionary<string, string>? Metadata = null);

    /// <summary>A new identity provider: <c>slug</c>, <c>issuer</c> and <c>audience</c> are required.</summary>
    public sealed record CreateIdentityProviderRequest : IdentityProviderFields
    {
        public string? Slug { get; init; }

        /// <summary>The workspace of users no rule places (refused when left out).</summary>
        public string? DefaultWorkspace { get; init; }
    }

    /// <summary>A change: fields left out stay as they are; <c>default_workspace</c> null clears it.</summary>
    public sealed record UpdateIdentityProviderRequest : IdentityProviderFields
    {
        [DocumentedAs(typeof(string))]
        public JsonElement DefaultWorkspace { get; init; }
    }

    /// <summary>An identity provider as the API shows it.</summary>
    public sealed record IdentityProviderResponse(
        string Slug,
        string Issuer,
        string Audience,
        string UserClaim,
        string GroupsClaim,
        ImmutableDictionary<string, string> MetadataClaims,
        IReadOnlyList<GroupRuleJson> Rules,
        string? DefaultWorkspace,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt)
    {
        public static IdentityProviderResponse From(IdentityProviderView view)
        {
            var d = view.Definition;
            return new(view.Slug, d.Issuer, d.Audience, d.UserClaim, d.GroupsClaim, d.MetadataClaims,
                [.. d.Rules.Select(r => new GroupRuleJson(r.Group, r.Workspace, r.Config, new Dictionary<string, string>(r.Metadata)))],
                d.DefaultWorkspace, view.CreatedAt, view.UpdatedAt);
        }
    }

    private static async Task<Results<Created<IdentityProviderResponse>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains,
        IdentityProviderDirectory directory, IOptions<SignOnOptions> options, AuditLog audit)
    {
        var (request, error) = await AdminJson.ReadAsync<CreateIdentityProviderRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        Slugs.Require(request!.Slug, "slug");
        var definition = new IdentityProviderDefinition(
            request.Issuer ?? throw AdminException.Invalid("issuer: required."),
            request.Audience ?? throw AdminException.Invalid("audience: required."),
            request.UserClaim ?? "sub",
            request.GroupsClaim ?? "groups",
            request.MetadataClaims?.ToImmutableDictionary() ?? ImmutableDictionary<string, string>.Empty,
            Rules(request.Rules),
            DefaultWorkspace(request.DefaultWorkspace));
        await RequireIssuerAsync(definition.Issuer, request.Slug!, directory, options.Value);
        var view = await grains.IdentityProvider(request.Slug!).CreateAsync(definition);
        directory.Invalidate();
        await audit.RecordAsync(context, "identity_provider", view.Slug, "created", $"issuer: {definition.Issuer}");
        return TypedResults.Created($"/admin/v1/identity-providers/{view.Slug}", IdentityProviderResponse.From(view));
    }

    private static async Task<Results<Ok<ListPage<IdentityProviderResponse>>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging,
        IGrainFactory grains)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        return TypedResults.Ok(await AdminPaging.LoadAsync(grains.Catalog(Catalogs.IdentityProviders), cursor, limit,
            async slug => await grains.IdentityProvider(slug).GetAsync() is { } view ? IdentityProviderResponse.From(view) : null));
    }

    private static async Task<Results<Ok<IdentityProviderResponse>, AnthropicErrorResult>> GetAsync(string slug, IGrainFactory grains) =>
        Slugs.IsValid(slug) && await grains.IdentityProvider(slug).GetAsync() is { } view
            ? TypedResults.Ok(IdentityProviderResponse.From(view))
            : new AnthropicErrorResult(404, $"Identity provider '{slug}' does not exist.");

    private static async Task<Results<Ok<IdentityProviderResponse>, AnthropicErrorResult>> UpdateAsync(string slug, HttpContext context,
        IGrainFactory grains, IdentityProviderDirectory directory, IOptions<SignOnOptions> options, AuditLog audit)
    {
        if (!Slugs.IsValid(slug) || await grains.IdentityProvider(slug).GetAsync() is not { } current)
        {
            return new AnthropicErrorResult(404, $"Identity provider '{slug}' does not exist.");
        }
        var (request, error) = await AdminJson.ReadAsync<UpdateIdentityProviderRequest>(context.Request);
        if (error is not null)
        {
            return error;
        }
        var was = current.Definition;
        var definition = new IdentityProviderDefinition(
            request!.Issuer ?? was.Issuer,
            request.Audience ?? was.Audience,
            request.UserClaim ?? was.UserClaim,
            request.GroupsClaim ?? was.GroupsClaim,
            request.MetadataClaims?.ToImmutableDictionary() ?? was.MetadataClaims,
            request.Rules is null ? was.Rules : Rules(request.Rules),
            request.DefaultWorkspace.ValueKind switch
            {
                JsonValueKind.Undefined => was.DefaultWorkspace,
                JsonValueKind.Null => null,
                JsonValueKind.String => DefaultWorkspace(request.DefaultWorkspace.GetString()),
                _ => throw AdminException.Invalid("default_workspace: must be a workspace id or null."),
            });
        if (definition.Issuer != was.Issuer)
        {
            await RequireIssuerAsync(definition.Issuer, slug, directory, options.Value);
        }
        var view = await grains.IdentityProvider(slug).ReplaceAsync(definition);
        directory.Invalidate();
        await audit.RecordAsync(context, "identity_provider", slug, "updated");
        return TypedResults.Ok(IdentityProviderResponse.From(view));
    }

    private static async Task<NoContent> DeleteAsync(string slug, HttpContext context, IGrainFactory grains, IdentityProviderDirectory directory,
        AuditLog audit)
    {
        if (!Slugs.IsValid(slug))
        {
            throw AdminException.NotFound($"Identity provider '{slug}'");
        }
        await grains.IdentityProvider(slug).DeleteAsync();
        directory.Invalidate();
        await audit.RecordAsync(context, "identity_provider", slug, "deleted");
        return TypedResults.NoContent();
    }

    private static ImmutableArray<GroupRule> Rules(List<GroupRuleJson>? rules) => rules is null ? [] :
    [
        .. rules.Select((rule, i) =>
        {
            Slugs.Require(rule.Workspace, $"rules[{i}].workspace");
            if (rule.Config is { } config)
            {
                Slugs.Require(config, $"rules[{i}].config");
            }
            return new GroupRule(rule.Group ?? "", rule.Workspace!, rule.Config,
                rule.Metadata?.ToImmutableDictionary() ?? ImmutableDictionary<string, string>.Empty);
        }),
    ];

    private static string? DefaultWorkspace(string? workspace)
    {
        if (workspace is not null)
        {
            Slugs.Require(workspace, "default_workspace");
        }
        return workspace;
    }

    /// <summary>An absolute https URL (http only where the gateway allows it), not another provider's issuer.</summary>
    private static async Task RequireIssuerAsync(string issuer, string slug, IdentityProviderDirectory directory, SignOnOptions options)
    {
        if (issuer.Length > MaxIssuerLength || !Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.AllowHttpIssuers)))
        {
            throw AdminException.Invalid(options.AllowHttpIssuers
                ? $"issuer: an absolute http(s) URL without query, at most {MaxIssuerLength} characters."
                : $"issuer: an absolute https URL without query, at most {MaxIssuerLength} characters.");
        }
        if ((await directory.AllAsync()).FirstOrDefault(p => p.Definition.Issuer == issuer && p.Slug != slug) is { } other)
        {
            throw AdminException.Conflict($"An identity provider for issuer '{issuer}' ('{other.Slug}')");
        }
    }
}
