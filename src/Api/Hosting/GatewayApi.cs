using Gateway.Api.Admin;
using Gateway.Api.Budgets;
using Gateway.Api.Catalog;
using Gateway.Api.Console;
using Gateway.Api.DataPlane;
using Gateway.Api.Errors;
using Gateway.Api.Fronts.Bedrock;
using Gateway.Api.Fronts.Vertex;
using Gateway.Api.Health;
using Gateway.Api.Logs;
using Gateway.Api.Providers;
using Gateway.Api.Providers.Bedrock;
using Gateway.Api.Providers.Vertex;
using Gateway.Api.Routing;
using Gateway.Api.SignOn;
using Gateway.Api.Telemetry;
using Gateway.Api.Usage;
using Gateway.Projections.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.Hosting;

/// <summary>Registers and maps the HTTP front: data plane, admin API, health, CORS and Anthropic-shaped errors.</summary>
public static class GatewayApi
{
    public const string CorsSection = "Gateway:Cors:AllowedOrigins";

    public static IServiceCollection AddGatewayApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DataPlaneOptions>(configuration.GetSection(DataPlaneOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new UpstreamHttp(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataPlaneOptions>>().Value.AllowLinkLocalProviders));
        services.AddSingleton<ProviderModelLists>();
        services.AddSingleton<CurrentCatalog>();
        services.AddHostedService(sp => sp.GetRequiredService<CurrentCatalog>());
        services.AddSingleton<ProviderConnections>();
        services.AddSingleton<MessagesProxy>();
        services.Configure<SignOnOptions>(configuration.GetSection(SignOnOptions.Section));
        // A token naming a key the cached set lacks waits for the issuer's keys to be fetched again, instead of being
        // refused while they are fetched in the background.
        AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", true);
        services.AddSingleton<IdentityProviderDirectory>();
        services.AddSingleton<SignOnTokens>();
        services.AddSingleton<Callers>();
        services.AddSingleton<ExchangeRecorder>();
        services.AddSingleton<BudgetHolds>();
        services.AddSingleton<MessageRouting>();
        services.AddSingleton<ProviderSender>();
        services.AddSingleton<AnswerRelay>();
        services.Configure<RoutingOptions>(configuration.GetSection(RoutingOptions.Section));
        services.AddSingleton<TargetHealth>();
        services.AddSingleton<CircuitBreaker>();
        services.AddSingleton<RouteRunner>();
        services.AddSingleton<AnthropicProtocol>();
        services.AddSingleton<BedrockProtocol>();
        services.AddSingleton(sp => new VertexTokens(sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataPlaneOptions>>().Value.AllowLinkLocalProviders));
        services.AddSingleton<VertexProtocol>();
        services.AddSingleton<ProviderProtocols>();
        services.AddSingleton<ModelsProxy>();
        services.TryAddSingleton<IUsageSink, LoggingUsageSink>();
        services.Configure<LedgerOptions>(configuration.GetSection(LedgerOptions.Section));
        services.Configure<BudgetOptions>(configuration.GetSection(BudgetOptions.Section));
        services.AddSingleton<UsageLedger>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageLedger>());
        services.Configure<LogsOptions>(configuration.GetSection(LogsOptions.Section));
        services.AddSingleton<ContentLog>();
        services.AddSingleton<BudgetGate>();
        services.AddHostedService(sp => sp.GetRequiredService<BudgetGate>());
        services.AddSingleton<AdminAuth>();
        services.Configure<ConsoleOptions>(configuration.GetSection(ConsoleOptions.Section));
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleOidcSignIn>();
        services.Configure<TelemetryOptions>(configuration.GetSection(TelemetryOptions.Section));
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<AuditLog>();
        services.AddAdminReference();

        var origins = configuration.GetSection(CorsSection).Get<string[]>() ?? [];
        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            if (origins.Length > 0)
            {
                // Browser add-ins send x-api-key, anthropic-* and x-stainless-* headers; any header is allowed
                // for the configured origins only.
                policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("request-id", "retry-after");
            }
        }));
        return services;
    }

    public static WebApplication UseGatewayApi(this WebApplication app)
    {
        app.Use(RequestIds.AssignAsync);
        app.UseMiddleware<RequestLogScope>();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteUnhandledAsync });
        app.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = WriteStatusCodeAsync });
        app.UseCors();
        app.MapHealthApi();
        app.MapMetricsApi();
        app.MapDataPlaneApi();
        app.MapBedrockApi();
        app.MapVertexApi();
        app.MapAdminApi();
        app.MapConsole();
        return app;
    }

    private static async Task WriteUnhandledAsync(HttpContext context)
    {
        // The exception handler cleared the response headers, request-id among them.
        if (RequestIds.Get(context) is { } requestId)
        {
            context.Response.Headers["request-id"] = requestId;
        }
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad)
        {
            await AnthropicErrors.WriteAsync(context, bad.StatusCode, AnthropicErrors.TypeFor(bad.StatusCode), bad.Message);
            return;
        }
        if (error is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Api")
            .LogError(error, "Unhandled error for {Method} {Path}", context.Request.Method, context.Request.Path);
        await AnthropicErrors.WriteAsync(context, 500, "Internal server error.");
    }

    private static Task WriteStatusCodeAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var message = status switch
        {
            404 => $"No endpoint {http.Request.Method} {http.Request.Path}.",
            405 => $"Method {http.Request.Method} is not allowed on {http.Request.Path}.",
            415 => "Unsupported content type.",
            _ => $"Request failed with status {status}.",
        };
        http.Response.Headers.Remove("Content-Length");
        return AnthropicErrors.WriteAsync(http, status, AnthropicErrors.TypeFor(status), message);
    }
}
