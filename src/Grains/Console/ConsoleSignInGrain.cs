namespace Gateway.Grains.Console;

public sealed class ConsoleSignInGrain : Grain, IConsoleSignInGrain
{
    private PendingSignIn? _pending;

    public Task BeginAsync(PendingSignIn pending)
    {
        _pending = pending;
        return Task.CompletedTask;
    }

    public Task<PendingSignIn?> TakeAsync()
    {
        var pending = _pending;
        _pending = null;
        DeactivateOnIdle();
        return Task.FromResult(pending);
    }
}
