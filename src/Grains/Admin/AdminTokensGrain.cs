using System.Collections.Immutable;
using System.Security.Cryptography;
using Gateway.Grains.Common;

namespace Gateway.Grains.Admin;

public sealed class AdminTokensGrain(
    [PersistentState("admintokens", GatewayStorage.Name)] IPersistentState<AdminTokensState> state,
    TimeProvider clock) : Grain, IAdminTokensGrain
{
    public async Task<string?> EnsureBootstrapTokenAsync()
    {
        if (state.State.Tokens.Any(t => t.Bootstrap))
        {
            return null;
        }
        var value = NewTokenValue();
        state.State.Tokens.Add(new AdminTokenRecord
        {
            Id = GatewayIds.New("adm_"),
            Name = "bootstrap",
            Role = AdminRoles.OrgAdmin,
            Bootstrap = true,
            Hash = SecretHash.Of(value),
            CreatedAt = clock.GetUtcNow(),
        });
        await state.WriteStateAsync();
        return value;
    }

    public async Task<CreatedAdminToken> CreateAsync(string name, string role, ImmutableArray<string> workspaces)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw AdminException.Invalid("name: required.");
        }
        if (!AdminRoles.IsKnown(role))
        {
            throw AdminException.Invalid($"role: must be one of {AdminRoles.OrgAdmin}, {AdminRoles.WorkspaceAdmin}, {AdminRoles.Analyst}.");
        }
        workspaces = workspaces.IsDefault ? [] : [.. workspaces.Distinct(StringComparer.Ordinal)];
        if (role == AdminRoles.OrgAdmin && workspaces.Length > 0)
        {
            throw AdminException.Invalid("workspaces: an org_admin token sees every workspace; leave workspaces out.");
        }
        if (role != AdminRoles.OrgAdmin && workspaces.Length == 0)
        {
            throw AdminException.Invalid($"workspaces: a {role} token needs at least one workspace.");
        }
        var value = NewTokenValue();
        var record = new AdminTokenRecord
        {
            Id = GatewayIds.New("adm_"),
            Name = name,
            Role = role,
            Workspaces = [.. workspaces],
            Hash = SecretHash.Of(value),
            CreatedAt = clock.GetUtcNow(),
        };
        state.State.Tokens.Add(record);
        await state.WriteStateAsync();
        return new CreatedAdminToken(record.Id, value, name, role, workspaces, record.CreatedAt);
    }

    public Task<ImmutableArray<AdminTokenSummary>> ListAsync() =>
        Task.FromResult<ImmutableArray<AdminTokenSummary>>([.. state.State.Tokens.Select(t =>
            new AdminTokenSummary(t.Id, t.Name, t.Role, [.. t.Workspaces], t.CreatedAt, t.Bootstrap))]);

    public async Task<bool> DeleteAsync(string id)
    {
        var token = state.State.Tokens.FirstOrDefault(t => t.Id == id);
        if (token is null)
        {
            return false;
        }
        if (token.Bootstrap)
        {
            throw AdminException.Invalid("The bootstrap token cannot be deleted.");
        }
        state.State.Tokens.Remove(token);
        await state.WriteStateAsync();
        return true;
    }

    public Task<AdminPrincipal?> FindAsync(byte[] tokenHash)
    {
        var token = state.State.Tokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(t.Hash, tokenHash));
        return Task.FromResult(token is null ? null : new AdminPrincipal(token.Id, token.Name, token.Role, [.. token.Workspaces]));
    }

    private static string NewTokenValue() => "gwa_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}

public sealed class AdminTokensState
{
    public List<AdminTokenRecord> Tokens { get; set; } = [];
}

public sealed class AdminTokenRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public List<string> Workspaces { get; set; } = [];
    public bool Bootstrap { get; set; }
    public byte[] Hash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}
