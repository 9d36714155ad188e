using System.Diagnostics.Metrics;
using System.Reflection;
using Gateway.Api.Health;
using Gateway.Api.Telemetry;
using Gateway.Projections.Logs;
using Gateway.Projections.Telemetry;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace Gateway.Silo.Hosting;

/// <summary>
/// OpenTelemetry for one gateway process. Metrics (the gateway's own, ASP.NET Core, HttpClient, Npgsql, Orleans, the
/// runtime) are always kept, for <c>GET /metrics</c> and, when an OTLP endpoint is set, OTLP. Spans (the gateway's
/// request spans with ASP.NET Core, HttpClient, Npgsql and Orleans instrumentation) are collected when
/// <see cref="TracesOn"/>. Endpoint, protocol, headers, export interval, service name and resource attributes come
/// from the standard <c>OTEL_*</c> variables.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>The meter of the Orleans runtime.</summary>
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The activity source of .NET's HttpClient (spans with the semantic conventions' attributes).</summary>
    private const string HttpClientSource = "System.Net.Http";

    /// <summary>Whether spans are collected: <see cref="TelemetryOptions.Traces"/>, else whether OTLP exports them.</summary>
    public static bool TracesOn(IConfiguration configuration) =>
        Options(configuration).Traces ?? OtlpExports(configuration, "TRACES");

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ProjectionProgress>();
        services.AddHostedService<ProjectionLag>();
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.Clear()
            .AddService("gateway", serviceVersion: typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion)
            .AddTelemetrySdk()
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
            .AddEnvironmentVariableDetector());
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            // Meters made by another host's factory (several gateways in one process, as in the tests) are that host's:
            // counted twice otherwise, and their disposal would end this host's streams of the same names.
            var own = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope is IMeterFactory factory && factory != own ? MetricStreamConfiguration.Drop : null);
        });
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(GatewayInstrumentation.Name, BodyLogWriter.MeterName, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter();
            if (OtlpExports(configuration, "METRICS"))
            {
                metrics.AddOtlpExporter();
            }
        });
        if (TracesOn(configuration))
        {
            var sampler = RequestSampler.FromConfiguration(configuration);
            telemetry.WithTracing(tracing =>
            {
                tracing.SetSampler(sampler)
                    .AddSource(GatewayInstrumentation.Name, ActivitySources.AllActivitySourceName)
                    // Probes and scrapes are not requests anyone wants a trace of.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    // HttpClient's own spans. Not the instrumentation library's tracing: it writes the SDK's propagation
                    // headers into every request itself, and nothing may reach a provider that the client did not send.
                    .AddSource(HttpClientSource)
                    .AddNpgsql();
                if (OtlpExports(configuration, "TRACES"))
                {
                    tracing.AddOtlpExporter();
                }
            });
        }
        return services;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthApi.Liveness) || path.StartsWithSegments(HealthApi.Readiness) || path.StartsWithSegments(MetricsApi.Path);

    /// <summary>Whether OTLP is to export <paramref name="signal"/>: an endpoint is set for it, and <c>OTEL_{signal}_EXPORTER</c> is not <c>none</c>.</summary>
    private static bool OtlpExports(IConfiguration configuration, string signal) =>
        !string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase)
        && (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrEmpty(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]));

    private static TelemetryOptions Options(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
}
