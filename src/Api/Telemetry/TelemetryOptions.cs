namespace Gateway.Api.Telemetry;

/// <summary>
/// <c>Gateway:Telemetry</c>: what the gateway's metrics and traces show and who may read them. Where they are sent
/// is set by the standard <c>OTEL_*</c> variables (OTLP endpoint, protocol, headers, service name, sampler).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Gateway:Telemetry";

    /// <summary>Whether <c>GET /metrics</c> answers without the admin token (for a scraper inside a trusted network).</summary>
    public bool PublicMetrics { get; set; }

    /// <summary>
    /// Whether request, token and cost metrics are also labelled by gateway key id (<c>key_id</c>). Off by default: a
    /// series per key multiplies what the metrics store holds, and key ids are not for everyone who reads dashboards.
    /// </summary>
    public bool KeyIdLabels { get; set; }

    /// <summary>
    /// Whether spans are collected: unset collects them when an OTLP endpoint is configured
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>); <c>true</c> always (an exporter
    /// added in code), <c>false</c> never. Without a tracer the request path creates no spans at all.
    /// </summary>
    public bool? Traces { get; set; }
}
