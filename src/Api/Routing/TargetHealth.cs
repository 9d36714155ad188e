using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Routing;

/// <summary>How a request came to a target: through a closed circuit, as the probe of an open one, or past an open one.</summary>
public enum CircuitEntry
{
    Closed,
    Probe,

    /// <summary>The circuit is open and another request probes it; tried anyway because the route had nothing else.</summary>
    Open,
}

/// <summary>Where a target's circuit stands, as the <c>gateway.circuit.state</c> gauge reports it (higher is worse).</summary>
public enum CircuitState
{
    Closed = 0,

    /// <summary>The open period is over: the next request probes the target (or one already does).</summary>
    HalfOpen = 1,

    Open = 2,
}

/// <summary>
/// A circuit breaker per provider target, in this process: after <see cref="RoutingOptions.BreakerFailures"/>
/// consecutive failures the target is skipped (where the route has another) until its open period ends; then
/// exactly one request probes it, and its success closes the circuit while a failure opens it again for twice
/// as long. Per process on purpose: a breaker is a local view of reachability, and asking a grain on every
/// request would put a network hop on the hot path.
/// </summary>
public sealed class TargetHealth(IOptions<RoutingOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);

    /// <summary>Enters the target for one try; the caller must end it with <see cref="Succeeded"/>, <see cref="Failed"/> or <see cref="Released"/>.</summary>
    public CircuitEntry Enter(string target)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return CircuitEntry.Closed;
        }
        lock (circuit)
        {
            if (circuit.OpenUntil is not { } until)
            {
                return CircuitEntry.Closed;
            }
            if (clock.GetUtcNow() < until || circuit.ProbeInFlight)
            {
                return CircuitEntry.Open;
            }
            circuit.ProbeInFlight = true;
            return CircuitEntry.Probe;
        }
    }

    /// <summary>Whether the target would currently be skipped (for choosing among targets without claiming the probe).</summary>
    public bool IsOpen(string target)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return false;
        }
        lock (circuit)
        {
            return circuit.OpenUntil is { } until && (clock.GetUtcNow() < until || circuit.ProbeInFlight);
        }
    }

    /// <summary>Each target that has failed in this process, and where its circuit stands now.</summary>
    public IEnumerable<KeyValuePair<string, CircuitState>> States()
    {
        var now = clock.GetUtcNow();
        foreach (var (target, circuit) in _circuits)
        {
            CircuitState state;
            lock (circuit)
            {
                state = circuit.OpenUntil is not { } until ? CircuitState.Closed
                    : now < until && !circuit.ProbeInFlight ? CircuitState.Open : CircuitState.HalfOpen;
            }
            yield return new(target, state);
        }
    }

    /// <summary>The target answered (anything that is not a failure of the target itself): the circuit closes.</summary>
    public void Succeeded(string target)
    {
        if (_circuits.TryGetValue(target, out var circuit))
        {
            lock (circuit)
            {
                circuit.Failures = 0;
                circuit.OpenUntil = null;
                circuit.OpenFor = TimeSpan.Zero;
                circuit.ProbeInFlight = false;
            }
        }
    }

    /// <summary>The target failed: refused or dropped the connection, timed out, or answered 5xx/529.</summary>
    public void Failed(string target, CircuitEntry entry)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        var settings = options.Value;
        lock (circuit)
        {
            if (entry == CircuitEntry.Probe)
            {
                circuit.ProbeInFlight = false;
                Open(circuit, TimeSpan.FromTicks(Math.Min(Math.Max(circuit.OpenFor.Ticks, settings.BreakerOpenFor.Ticks / 2) * 2, settings.BreakerMaxOpenFor.Ticks)));
            }
            else if (circuit.OpenUntil is null && ++circuit.Failures >= settings.BreakerFailures)
            {
                Open(circuit, settings.BreakerOpenFor);
            }
            // A failure past an open circuit (not its probe) changes nothing: the probe decides.
        }
    }

    /// <summary>A try that ended without a verdict on the target (the client left, the gateway failed): a probe is given back.</summary>
    public void Released(string target, CircuitEntry entry)
    {
        if (entry == CircuitEntry.Probe && _circuits.TryGetValue(target, out var circuit))
        {
            lock (circuit)
            {
                circuit.ProbeInFlight = false;
            }
        }
    }

    private void Open(Circuit circuit, TimeSpan period)
    {
        circuit.OpenFor = period;
        circuit.OpenUntil = clock.GetUtcNow() + period;
    }

    private sealed class Circuit
    {
        public int Failures;
        public DateTimeOffset? OpenUntil;
        public TimeSpan OpenFor;
        public bool ProbeInFlight;
    }
}
