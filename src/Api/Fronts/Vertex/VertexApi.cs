using Gateway.Api.DataPlane;
using Gateway.Api.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Api.Fronts.Vertex;

/// <summary>
/// The Vertex front (base URL <c>…/vertex/v1</c>): Vertex AI's Anthropic publisher methods <c>rawPredict</c>,
/// <c>streamRawPredict</c> and <c>count-tokens:rawPredict</c> for clients configured for Google Vertex, authenticated
/// with the gateway key (Bearer or <c>x-api-key</c>) and served through the same pipeline as <c>/v1/messages</c>. The
/// project and location in the path are the client's configuration, not the gateway's: any are accepted.
/// </summary>
public static class VertexApi
{
    private const string CountTokensModel = "count-tokens";

    public static IEndpointRouteBuilder MapVertexApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/vertex/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{method}", HandleAsync);
        app.Map("/vertex/{**rest}", UnknownMethodAsync);
        return app;
    }

    private static Task HandleAsync(HttpContext context)
    {
        // The last segment is {model}:{method}; a model id has no ':' (Vertex's are claude-…@date).
        var target = (string)context.Request.RouteValues["method"]!;
        var colon = target.LastIndexOf(':');
        var (model, method) = colon > 0 ? (target[..colon], target[(colon + 1)..]) : (target, "");
        VertexAction? action = (model, method) switch
        {
            (CountTokensModel, "rawPredict") => VertexAction.CountTokens,
            (_, "rawPredict") => VertexAction.RawPredict,
            (_, "streamRawPredict") => VertexAction.StreamRawPredict,
            _ => null,
        };
        if (action is not { } known)
        {
            return UnknownMethodAsync(context);
        }
        context.Features.Set<IErrorShape>(VertexErrorShape.Instance);
        return context.RequestServices.GetRequiredService<MessagesProxy>()
            .HandleFrontAsync(context, new VertexFront(known == VertexAction.CountTokens ? null : model, known));
    }

    private static Task UnknownMethodAsync(HttpContext context)
    {
        context.Features.Set<IErrorShape>(VertexErrorShape.Instance);
        return AnthropicErrors.WriteAsync(context, 404,
            $"No Vertex method {context.Request.Method} {context.Request.Path}: this gateway serves POST /vertex/v1/projects/{{project}}/locations/"
            + "{location}/publishers/anthropic/models/{model}:rawPredict, :streamRawPredict and count-tokens:rawPredict.");
    }
}
