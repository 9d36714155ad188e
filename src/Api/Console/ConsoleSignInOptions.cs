using System.Collections.Immutable;
using Gateway.Grains.Admin;
using Gateway.Projections.Usage;

namespace Gateway.Api.Console;

/// <summary>
/// Console sign-in through the organisation's OpenID Connect provider (<c>Gateway:Console:SignIn</c>): off while
/// <see cref="Authority"/> is unset. Who may sign in, and as what, comes from the groups claim of their ID token.
/// </summary>
public sealed class ConsoleSignInOptions
{
    /// <summary>The issuer; its discovery document is at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The gateway's client id at the provider (and the ID token's audience).</summary>
    public string? ClientId { get; set; }

    /// <summary>For a confidential client: sent with the code exchange (HTTP Basic); unset for a public client (PKCE alone).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in button calls the provider ("Sign in with …").</summary>
    public string DisplayName { get; set; } = "your organisation";

    public string Scopes { get; set; } = "openid profile email";

    /// <summary>The ID token claim listing the user's groups.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>The ID token claim naming the user as the console and the audit trail show them.</summary>
    public string NameClaim { get; set; } = "email";

    /// <summary>
    /// The callback address registered at the provider; unset: this gateway's own <c>/console/oidc/callback</c> as the
    /// browser reached it (set it behind a proxy that changes the scheme or host).
    /// </summary>
    public Uri? RedirectUri { get; set; }

    /// <summary>How long the provider may take to send the browser back.</summary>
    public TimeSpan SignInTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Which groups sign in as which role; a user in none of them is refused.</summary>
    public List<ConsoleRoleRule> Roles { get; set; } = [];

    public bool Enabled => !string.IsNullOrEmpty(Authority);

    /// <summary>What is wrong with this configuration (nothing when sign-in is off).</summary>
    public IEnumerable<string> Problems(bool allowHttpAuthority)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority)
            || !(authority.Scheme == Uri.UriSchemeHttps || (authority.Scheme == Uri.UriSchemeHttp && allowHttpAuthority)))
        {
            yield return $"Authority must be an absolute https URL (got '{Authority}')";
        }
        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return "ClientId is required with an Authority";
        }
        if (!Scopes.Split(' ').Contains("openid"))
        {
            yield return $"Scopes must include openid (got '{Scopes}')";
        }
        if (string.IsNullOrWhiteSpace(GroupsClaim) || string.IsNullOrWhiteSpace(NameClaim))
        {
            yield return "GroupsClaim and NameClaim must name claims";
        }
        if (DisplayName.Length is 0 or > 100 || !InputLimits.IsCleanText(DisplayName))
        {
            yield return "DisplayName must be 1 to 100 characters of plain text";
        }
        if (SignInTimeout <= TimeSpan.Zero)
        {
            yield return $"SignInTimeout must be longer than 0 (got {SignInTimeout})";
        }
        if (Roles.Count == 0)
        {
            yield return "Roles must map at least one group to a role";
        }
        foreach (var (rule, index) in Roles.Select((r, i) => (r, i)))
        {
            if (rule.Problem() is { } problem)
            {
                yield return $"Roles:{index}:{problem}";
            }
        }
    }

    /// <summary>
    /// The role of a user in <paramref name="groups"/>: the highest one any of their groups grants (org admin, then
    /// workspace admin, then analyst) with the workspaces of every rule granting it; null when no rule matches.
    /// </summary>
    public (string Role, ImmutableArray<string> Workspaces)? RoleOf(IReadOnlySet<string> groups)
    {
        var matched = Roles.Where(r => groups.Contains(r.Group)).ToList();
        foreach (var role in (string[])[AdminRoles.OrgAdmin, AdminRoles.WorkspaceAdmin, AdminRoles.Analyst])
        {
            var granting = matched.Where(r => r.Role == role).ToList();
            if (granting.Count > 0)
            {
                return (role, role == AdminRoles.OrgAdmin ? [] : [.. granting.SelectMany(r => r.Workspaces).Distinct(StringComparer.Ordinal)]);
            }
        }
        return null;
    }
}

/// <summary>Members of <see cref="Group"/> sign in as <see cref="Role"/>, of <see cref="Workspaces"/> unless org admins.</summary>
public sealed class ConsoleRoleRule
{
    public string Group { get; set; } = "";

    /// <summary><c>org_admin</c>, <c>workspace_admin</c> or <c>analyst</c>.</summary>
    public string Role { get; set; } = "";

    public List<string> Workspaces { get; set; } = [];

    internal string? Problem() => string.IsNullOrWhiteSpace(Group) ? "Group is required"
        : !AdminRoles.IsKnown(Role) ? $"Role must be org_admin, workspace_admin or analyst (got '{Role}')"
        : Role == AdminRoles.OrgAdmin && Workspaces.Count > 0 ? "Workspaces must be empty for org_admin (it sees every workspace)"
        : Role != AdminRoles.OrgAdmin && Workspaces.Count == 0 ? $"Workspaces must name at least one workspace for {Role}"
        : null;
}
