using Gateway.Api.DataPlane;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts.Vertex;

/// <summary>
/// One request of the Vertex front: <c>{model}:rawPredict</c> and <c>:streamRawPredict</c> take Anthropic's body without
/// <c>model</c> and with <c>anthropic_version</c>; <c>count-tokens:rawPredict</c> takes it with the model in the body.
/// Answers — JSON, SSE and token counts — are Anthropic's own, as on Vertex.
/// </summary>
/// <param name="model">The path's model (any spelling the catalog knows); null for a token count, whose model is in the body.</param>
public sealed class VertexFront(string? model, VertexAction action) : ClientFront
{
    public override string Name => UsageFronts.Vertex;

    public override MessagesRequest.Shape Shape =>
        action == VertexAction.CountTokens ? MessagesRequest.Shape.CountTokens : MessagesRequest.Shape.Messages;

    public override byte[]? TranslateRequest(ReadOnlyMemory<byte> body, HttpRequest request, out string? problem) => action == VertexAction.CountTokens
        ? CloudRequestBody.Translate(body.Span, request, model: null, stream: null, [], out problem)
        : CloudRequestBody.Translate(body.Span, request, model, action == VertexAction.StreamRawPredict, [], out problem);
}

/// <summary>The Vertex AI methods the front serves.</summary>
public enum VertexAction
{
    /// <summary><c>…/models/{model}:rawPredict</c>: one JSON answer.</summary>
    RawPredict,

    /// <summary><c>…/models/{model}:streamRawPredict</c>: SSE.</summary>
    StreamRawPredict,

    /// <summary><c>…/models/count-tokens:rawPredict</c>.</summary>
    CountTokens,
}
