using Gateway.Api.DataPlane;
using Gateway.Api.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Api.Fronts.Bedrock;

/// <summary>
/// The Bedrock front (base URL <c>…/bedrock</c>): Bedrock runtime's <c>invoke</c>, <c>invoke-with-response-stream</c> and
/// <c>count-tokens</c> for clients configured for AWS Bedrock, authenticated with the gateway key (Bearer, as a Bedrock
/// API key, or <c>x-api-key</c>) and served through the same pipeline as <c>/v1/messages</c>.
/// </summary>
public static class BedrockApi
{
    public static IEndpointRouteBuilder MapBedrockApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/bedrock/model/{modelId}/invoke", context => HandleAsync(context, BedrockAction.Invoke));
        app.MapPost("/bedrock/model/{modelId}/invoke-with-response-stream", context => HandleAsync(context, BedrockAction.InvokeStream));
        app.MapPost("/bedrock/model/{modelId}/count-tokens", context => HandleAsync(context, BedrockAction.CountTokens));
        app.Map("/bedrock/{**rest}", UnknownOperationAsync);
        return app;
    }

    private static async Task HandleAsync(HttpContext context, BedrockAction action)
    {
        context.Features.Set<IErrorShape>(BedrockErrorShape.Instance);
        var proxy = context.RequestServices.GetRequiredService<MessagesProxy>();
        var front = new BedrockFront(ModelId(context), action);
        if (action != BedrockAction.InvokeStream)
        {
            await proxy.HandleFrontAsync(context, front);
            return;
        }
        var prior = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var frames = new StreamResponseBodyFeature(new EventStreamResponseBody(prior.Stream, context.Response), prior);
        context.Features.Set<IHttpResponseBodyFeature>(frames);
        try
        {
            await proxy.HandleFrontAsync(context, front);
            await FinishAsync(frames, context);
        }
        finally
        {
            context.Features.Set(prior);
        }
    }

    /// <summary>Hands on whatever the pipeline wrote last, framed, before the server completes the response.</summary>
    private static async Task FinishAsync(StreamResponseBodyFeature frames, HttpContext context)
    {
        try
        {
            await frames.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; nothing left to write to it (the pipeline recorded its leaving).
        }
    }

    /// <summary>The path's model id: routing decodes every escape but <c>%2F</c>, which an inference-profile ARN's '/' arrives as.</summary>
    private static string ModelId(HttpContext context) =>
        ((string)context.Request.RouteValues["modelId"]!).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static Task UnknownOperationAsync(HttpContext context)
    {
        context.Features.Set<IErrorShape>(BedrockErrorShape.Instance);
        return AnthropicErrors.WriteAsync(context, 404,
            $"No Bedrock operation {context.Request.Method} {context.Request.Path}: this gateway serves POST /bedrock/model/{{modelId}}/invoke, "
            + "/invoke-with-response-stream and /count-tokens.");
    }
}
