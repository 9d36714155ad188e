using System.Diagnostics;

namespace Gateway.Projections.Telemetry;

/// <summary>
/// The gateway's own instrumentation names, stated once for every layer: its spans come from <see cref="Source"/> and
/// its metrics from the meter named <see cref="Name"/> (created through <c>IMeterFactory</c>, which hands every
/// component of one process the same meter).
/// </summary>
public static class GatewayInstrumentation
{
    /// <summary>The name of the gateway's <see cref="ActivitySource"/> and of its meter.</summary>
    public const string Name = "Gateway";

    /// <summary>
    /// The gateway's spans. Static on purpose: an activity source has no factory, and it costs nothing while no tracer
    /// listens (<see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null).
    /// </summary>
    public static ActivitySource Source { get; } = new(Name);
}
