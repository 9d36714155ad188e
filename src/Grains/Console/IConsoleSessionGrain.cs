using Gateway.Grains.Admin;

namespace Gateway.Grains.Console;

/// <summary>
/// One signed-in console session, keyed by the hash of its cookie's id (the id itself is stored nowhere). A grain, so
/// every gateway of the cluster sees the same session; persisted, so a restart does not sign everyone out.
/// </summary>
public interface IConsoleSessionGrain : IGrainWithStringKey
{
    /// <summary>Opens the session for the admin token with <paramref name="tokenHash"/> until <paramref name="expiresAt"/>.</summary>
    Task OpenAsync(byte[] tokenHash, string csrfToken, DateTimeOffset expiresAt);

    /// <summary>Opens the session for an admin signed in through the organisation's identity provider, who has no admin token.</summary>
    Task OpenForAsync(AdminPrincipal principal, string csrfToken, DateTimeOffset expiresAt);

    /// <summary>The open session, or null when there is none or it has expired (an expired one is forgotten).</summary>
    Task<ConsoleSession?> GetAsync();

    /// <summary>Ends the session (sign-out).</summary>
    Task CloseAsync();
}

/// <summary>
/// A session: the admin token it speaks for, by hash — so deleting the token ends the session — or, for a sign-in
/// through the identity provider, the admin it speaks for (<see cref="Principal"/>; the token hash is then empty);
/// and the CSRF token its page must send with every unsafe request.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConsoleSession(
    [property: Id(0)] byte[] TokenHash,
    [property: Id(1)] string CsrfToken,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] AdminPrincipal? Principal = null);

public static class ConsoleSessionGrains
{
    /// <summary>The session whose cookie id hashes to <paramref name="idHash"/> (hex).</summary>
    public static IConsoleSessionGrain ConsoleSession(this IGrainFactory grains, string idHash) =>
        grains.GetGrain<IConsoleSessionGrain>("s/" + idHash);
}
