using System.Collections.Immutable;

namespace Gateway.Grains.Identity;

/// <summary>
/// An OpenID Connect issuer whose tokens sign users on to the data plane: which audience its tokens must name,
/// which claims name the user, their groups and their metadata, and the rules that place a user in a workspace.
/// </summary>
public interface IIdentityProviderGrain : IGrainWithStringKey
{
    /// <summary>Registers the provider; 409 when the slug is taken.</summary>
    Task<IdentityProviderView> CreateAsync(IdentityProviderDefinition definition);

    /// <summary>The provider, or null.</summary>
    [ReadOnly]
    Task<IdentityProviderView?> GetAsync();

    /// <summary>Replaces the provider's definition (the admin API merges a PATCH into the current one first).</summary>
    Task<IdentityProviderView> ReplaceAsync(IdentityProviderDefinition definition);

    /// <summary>Removes the provider: its tokens are refused from then on.</summary>
    Task DeleteAsync();
}

/// <summary>What an admin registers.</summary>
/// <param name="UserClaim">The claim that names the user: <c>oid</c>, <c>sub</c>, <c>upn</c> or <c>email</c>.</param>
/// <param name="MetadataClaims">Metadata key → the claim its value is read from (e.g. <c>department</c> → <c>department</c>).</param>
/// <param name="Rules">Group → workspace rules, the first whose group the user is in wins.</param>
/// <param name="DefaultWorkspace">The workspace of users no rule places; null refuses them.</param>
[GenerateSerializer, Immutable]
public sealed record IdentityProviderDefinition(
    [property: Id(0)] string Issuer,
    [property: Id(1)] string Audience,
    [property: Id(2)] string UserClaim,
    [property: Id(3)] string GroupsClaim,
    [property: Id(4)] ImmutableDictionary<string, string> MetadataClaims,
    [property: Id(5)] ImmutableArray<GroupRule> Rules,
    [property: Id(6)] string? DefaultWorkspace)
{
    /// <summary>The claims that may name a user.</summary>
    public static readonly ImmutableArray<string> UserClaims = ["oid", "sub", "upn", "email"];

    /// <summary>Where a user with these groups signs on to: the first rule naming one of them, else the default workspace.</summary>
    public Placement? Place(IReadOnlySet<string> groups) =>
        Rules.FirstOrDefault(rule => groups.Contains(rule.Group)) is { } rule ? new Placement(rule.Workspace, rule.Config, rule.Metadata)
        : DefaultWorkspace is { } workspace ? new Placement(workspace, null, ImmutableDictionary<string, string>.Empty)
        : null;
}

/// <summary>Members of <c>Group</c> sign on to <c>Workspace</c>, through <c>Config</c> (else the workspace's default), with <c>Metadata</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupRule(
    [property: Id(0)] string Group,
    [property: Id(1)] string Workspace,
    [property: Id(2)] string? Config,
    [property: Id(3)] ImmutableDictionary<string, string> Metadata);

/// <summary>Where a signed-in user's requests go.</summary>
[GenerateSerializer, Immutable]
public sealed record Placement(
    [property: Id(0)] string Workspace,
    [property: Id(1)] string? Config,
    [property: Id(2)] ImmutableDictionary<string, string> Metadata);

/// <summary>A registered identity provider as the admin API shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record IdentityProviderView(
    [property: Id(0)] string Slug,
    [property: Id(1)] IdentityProviderDefinition Definition,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset UpdatedAt);
