namespace Gateway.Api.Routing;

/// <summary>
/// One try through a target's circuit. The try reports how it ended; one that ends without a verdict (the client
/// left, or the gateway itself failed) gives a claimed probe back when disposed.
/// </summary>
public sealed class CircuitTry : IDisposable
{
    private readonly TargetHealth _health;
    private readonly string _provider;
    private readonly CircuitEntry _entry;
    private bool _judged;

    internal CircuitTry(TargetHealth health, string provider, CircuitEntry entry) =>
        (_health, _provider, _entry) = (health, provider, entry);

    /// <summary>
    /// The target answered the client. A stream that broke or went quiet afterwards counts against the target;
    /// a client that left gives no verdict.
    /// </summary>
    public void Answered(bool failedMidStream, bool clientLeft)
    {
        if (failedMidStream)
        {
            Judge(healthy: false);
        }
        else if (!clientLeft)
        {
            Judge(healthy: true);
        }
    }

    /// <summary>The try failed before the client got anything: only a fault of the target counts against it.</summary>
    public void Failed(AttemptFailure failure) => Judge(healthy: !failure.TargetFault);

    public void Dispose()
    {
        if (!_judged)
        {
            _health.Released(_provider, _entry);
        }
    }

    private void Judge(bool healthy)
    {
        if (healthy)
        {
            _health.Succeeded(_provider);
        }
        else
        {
            _health.Failed(_provider, _entry);
        }
        _judged = true;
    }
}
