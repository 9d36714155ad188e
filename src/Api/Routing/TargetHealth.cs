using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Routing;

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

    /// <summary>True when a request may go to the target now: closed, or open long enough that this request becomes the probe.</summary>
    public bool TryEnter(string target)
    {
        if (!_circuits.TryGetValue(target, out var circuit))
        {
            return true;
        }
        lock (circuit)
        {
            var now = clock.GetUtcNow();
            if (circuit.OpenUntil is not { } until)
            {
                return true;
            }
            if (now < until || circuit.ProbeInFlight)
            {
                return false;
            }
            circuit.ProbeInFlight = true;
            return true;
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

    /// <summary>The target answered (anything that is not a failure of the target itself).</summary>
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
    public void Failed(string target)
    {
        var circuit = _circuits.GetOrAdd(target, _ => new Circuit());
        var settings = options.Value;
        lock (circuit)
        {
            circuit.Failures++;
            var wasProbe = circuit.ProbeInFlight;
            circuit.ProbeInFlight = false;
            if (wasProbe || circuit.Failures >= settings.BreakerFailures)
            {
                circuit.OpenFor = circuit.OpenFor == TimeSpan.Zero
                    ? settings.BreakerOpenFor
                    : TimeSpan.FromTicks(Math.Min(circuit.OpenFor.Ticks * 2, settings.BreakerMaxOpenFor.Ticks));
                circuit.OpenUntil = clock.GetUtcNow() + circuit.OpenFor;
            }
        }
    }

    /// <summary>A probe that ended without a verdict (the client left): let the next request probe.</summary>
    public void Released(string target)
    {
        if (_circuits.TryGetValue(target, out var circuit))
        {
            lock (circuit)
            {
                circuit.ProbeInFlight = false;
            }
        }
    }

    private sealed class Circuit
    {
        public int Failures;
        public DateTimeOffset? OpenUntil;
        public TimeSpan OpenFor;
        public bool ProbeInFlight;
    }
}
