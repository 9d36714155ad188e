namespace Gateway.Grains.Console;

/// <summary>
/// One sign-in through the organisation's identity provider while the browser is away at it, keyed by the hash of the
/// id in its short-lived cookie. A grain, so the callback may land on any gateway of the cluster; kept in memory only,
/// since an interrupted sign-in is simply started again.
/// </summary>
public interface IConsoleSignInGrain : IGrainWithStringKey
{
    /// <summary>Remembers what the callback must find: the state, nonce and PKCE verifier sent with this sign-in.</summary>
    Task BeginAsync(PendingSignIn pending);

    /// <summary>The pending sign-in, forgotten as it is taken: a callback is honoured once.</summary>
    Task<PendingSignIn?> TakeAsync();
}

/// <summary>What a sign-in sent to the identity provider, to be checked against what comes back.</summary>
[GenerateSerializer, Immutable]
public sealed record PendingSignIn(
    [property: Id(0)] string State,
    [property: Id(1)] string Nonce,
    [property: Id(2)] string CodeVerifier,
    [property: Id(3)] string RedirectUri,
    [property: Id(4)] DateTimeOffset ExpiresAt);

public static class ConsoleSignInGrains
{
    /// <summary>The pending sign-in whose cookie id hashes to <paramref name="idHash"/> (hex).</summary>
    public static IConsoleSignInGrain ConsoleSignIn(this IGrainFactory grains, string idHash) =>
        grains.GetGrain<IConsoleSignInGrain>("signin/" + idHash);
}
