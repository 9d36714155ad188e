using Gateway.Grains.Admin;

namespace Gateway.Grains.Console;

public sealed class ConsoleSessionGrain(
    [PersistentState("consolesession", GatewayStorage.Name)] IPersistentState<ConsoleSessionState> state,
    TimeProvider clock) : Grain, IConsoleSessionGrain
{
    public async Task OpenAsync(byte[] tokenHash, string csrfToken, DateTimeOffset expiresAt)
    {
        state.State = new ConsoleSessionState { TokenHash = tokenHash, CsrfToken = csrfToken, ExpiresAt = expiresAt };
        await state.WriteStateAsync();
    }

    public async Task OpenForAsync(AdminPrincipal principal, string csrfToken, DateTimeOffset expiresAt)
    {
        state.State = new ConsoleSessionState { Principal = principal, CsrfToken = csrfToken, ExpiresAt = expiresAt };
        await state.WriteStateAsync();
    }

    public async Task<ConsoleSession?> GetAsync()
    {
        if (!state.RecordExists)
        {
            return null;
        }
        if (state.State.ExpiresAt <= clock.GetUtcNow())
        {
            await CloseAsync();
            return null;
        }
        return new ConsoleSession(state.State.TokenHash, state.State.CsrfToken, state.State.ExpiresAt, state.State.Principal);
    }

    public async Task CloseAsync()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }
        DeactivateOnIdle();
    }
}

public sealed class ConsoleSessionState
{
    public byte[] TokenHash { get; set; } = [];
    public string CsrfToken { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set for a sign-in through the identity provider (no admin token).</summary>
    public AdminPrincipal? Principal { get; set; }
}
