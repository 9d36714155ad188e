namespace Gateway.Api.Routing;

/// <summary>Retry pacing and circuit breaking for provider targets (section <c>Gateway:Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string Section = "Gateway:Routing";

    /// <summary>Consecutive failures (connection, timeout, 5xx, 529) after which a target's circuit opens.</summary>
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open circuit keeps a target skipped before one request probes it.</summary>
    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of the open period, which doubles each time a probe fails.</summary>
    public TimeSpan BreakerMaxOpenFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay when the provider did not say (doubles per retry, with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a request may take over all its attempts and waits; attempts get what is left of it.</summary>
    public TimeSpan MaxRequestDuration { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>A provider asking for a longer wait than this (<c>retry-after</c>) is not retried; the route moves on.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}
