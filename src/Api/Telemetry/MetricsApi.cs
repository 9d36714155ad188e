using Gateway.Api.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Api.Telemetry;

/// <summary>
/// <c>GET /metrics</c>: the process's metrics in Prometheus' text format (OpenTelemetry's Prometheus exporter), for an org
/// admin token unless <see cref="TelemetryOptions.PublicMetrics"/> opens it to any scraper.
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        var isPublic = app.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.PublicMetrics;
        // The exporter answers in a pipeline of its own (a middleware, not a route handler), so the admin check runs in front of it there.
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: isPublic ? null : branch => branch.Use(RequireAdminAsync),
                optionsName: null)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        return app;
    }

    /// <summary>The admin API's own check (<see cref="AdminAuth"/>): an org admin token, or its Anthropic-shaped 401/403.</summary>
    private static async Task RequireAdminAsync(HttpContext context, RequestDelegate next)
    {
        var admitted = false;
        var refusal = await context.RequestServices.GetRequiredService<AdminAuth>().InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ =>
        {
            admitted = true;
            return ValueTask.FromResult<object?>(null);
        });
        if (admitted)
        {
            await next(context);
        }
        else if (refusal is IResult result)
        {
            await result.ExecuteAsync(context);
        }
    }
}
