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
        var value = "gwa_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
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

    public Task<AdminPrincipal?> FindAsync(byte[] tokenHash)
    {
        var token = state.State.Tokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(t.Hash, tokenHash));
        return Task.FromResult(token is null ? null : new AdminPrincipal(token.Id, token.Name, token.Role));
    }
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
    public bool Bootstrap { get; set; }
    public byte[] Hash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}
