using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Api.DataPlane;

/// <summary>The Anthropic-compatible endpoints.</summary>
public static class DataPlaneApi
{
    public static IEndpointRouteBuilder MapDataPlaneApi(this IEndpointRouteBuilder app)
    {
        // Plain request delegates: no parameter binding on the hot path.
        app.MapPost("/v1/messages", context => context.RequestServices.GetRequiredService<MessagesProxy>().HandleMessagesAsync(context));
        app.MapPost("/v1/messages/count_tokens", context => context.RequestServices.GetRequiredService<MessagesProxy>().HandleCountTokensAsync(context));
        app.MapGet("/v1/models", context => context.RequestServices.GetRequiredService<ModelsProxy>().ListAsync(context));
        app.MapGet("/v1/models/{id}", context => context.RequestServices.GetRequiredService<ModelsProxy>()
            .GetAsync(context, (string)context.Request.RouteValues["id"]!));
        return app;
    }
}
