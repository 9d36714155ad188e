using System.Text.Json;
using Gateway.Api.DataPlane;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts.Bedrock;

/// <summary>
/// One request of the Bedrock front: <c>invoke</c> and <c>invoke-with-response-stream</c> take an InvokeModel body
/// (Anthropic's body without <c>model</c>/<c>stream</c>, with <c>anthropic_version</c>); <c>count-tokens</c> takes
/// <c>{"input":{"invokeModel":{"body": base64 of one}}}</c> and answers <c>{"inputTokens": n}</c>.
/// </summary>
/// <param name="model">The path's model id: any spelling the catalog knows (a profile, a foundation model, an ARN, an Anthropic id).</param>
public sealed class BedrockFront(string model, BedrockAction action) : ClientFront
{
    public override string Name => UsageFronts.Bedrock;

    public override MessagesRequest.Shape Shape =>
        action == BedrockAction.CountTokens ? MessagesRequest.Shape.CountTokens : MessagesRequest.Shape.Messages;

    public override byte[]? TranslateRequest(ReadOnlyMemory<byte> body, HttpRequest request, out string? problem)
    {
        if (action != BedrockAction.CountTokens)
        {
            return CloudRequestBody.Translate(body.Span, request, model, action == BedrockAction.InvokeStream, [], out problem);
        }
        var invokeBody = InvokeModelBody(body, out problem);
        // CountTokens takes an InvokeModel body, whose max_tokens Anthropic's count_tokens would refuse.
        return invokeBody is null ? null : CloudRequestBody.Translate(invokeBody, request, model, stream: null, ["max_tokens"], out problem);
    }

    public override byte[] TranslateAnswer(byte[] answer)
    {
        if (action != BedrockAction.CountTokens)
        {
            return answer;
        }
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("input_tokens", out var count)
                && count.TryGetInt64(out var tokens))
            {
                return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, long> { ["inputTokens"] = tokens });
            }
        }
        catch (JsonException)
        {
            // Not a count: relayed as the provider sent it, as the Anthropic front would.
        }
        return answer;
    }

    /// <summary>The InvokeModel body a CountTokens request carries (base64, as AWS's JSON protocol sends a blob).</summary>
    private static byte[]? InvokeModelBody(ReadOnlyMemory<byte> body, out string? problem)
    {
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
            {
                problem = "input: Field required (an object with invokeModel)";
            }
            else if (!input.TryGetProperty("invokeModel", out var invoke) || invoke.ValueKind != JsonValueKind.Object)
            {
                problem = input.TryGetProperty("converse", out _)
                    ? "input.converse: this gateway counts tokens of InvokeModel bodies only; send input.invokeModel.body"
                    : "input.invokeModel: Field required";
            }
            else if (!invoke.TryGetProperty("body", out var encoded) || encoded.ValueKind != JsonValueKind.String)
            {
                problem = "input.invokeModel.body: Field required (the InvokeModel body, base64)";
            }
            else if (encoded.TryGetBytesFromBase64(out var decoded))
            {
                return decoded;
            }
            else
            {
                problem = "input.invokeModel.body: not valid base64";
            }
        }
        catch (JsonException e)
        {
            problem = $"The request body is not valid JSON: {e.Message}";
        }
        return null;
    }
}

/// <summary>The Bedrock runtime operations the front serves.</summary>
public enum BedrockAction
{
    /// <summary><c>POST /model/{modelId}/invoke</c>: one JSON answer.</summary>
    Invoke,

    /// <summary><c>POST /model/{modelId}/invoke-with-response-stream</c>: event-stream frames.</summary>
    InvokeStream,

    /// <summary><c>POST /model/{modelId}/count-tokens</c>.</summary>
    CountTokens,
}
