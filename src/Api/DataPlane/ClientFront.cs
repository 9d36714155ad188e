using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// A request that came through a front speaking another API's wire format (Bedrock's, Vertex's), one per request: it
/// names the front for the usage event, turns the cloud's request into the Anthropic body the pipeline reads, and the
/// pipeline's JSON answer back into the cloud's. Streams and errors the front shapes itself (it wraps the response
/// and sets an <see cref="Errors.IErrorShape"/>), so every front goes through the one pipeline.
/// </summary>
public abstract class ClientFront
{
    /// <summary>The front as the usage event and request log name it (<c>bedrock</c>, <c>vertex</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Whether the request asks for a message or counts tokens.</summary>
    public abstract MessagesRequest.Shape Shape { get; }

    /// <summary>
    /// The Anthropic body for the cloud's <paramref name="body"/>; null, with a <paramref name="problem"/> naming what
    /// is wrong, when it cannot be read. May set the request's <c>anthropic-*</c> headers the body carried.
    /// </summary>
    public abstract byte[]? TranslateRequest(ReadOnlyMemory<byte> body, HttpRequest request, out string? problem);

    /// <summary>The pipeline's JSON answer (a message, a token count) as the cloud sends it.</summary>
    public virtual byte[] TranslateAnswer(byte[] answer) => answer;
}
