
namespace Gateway.Api.Providers;

/// <summary>Anthropic direct: the client's request as it came (model rewritten only when the route or map changes it).</summary>
public sealed class AnthropicProtocol : IProviderProtocol
{
    public ValueTask<HttpRequestMessage> CreateRequestAsync(ProviderCall call, CancellationToken cancellationToken)
    {
        HttpContent content = call.ProviderModel != call.BodyModel.Model
            ? new ByteArrayContent(call.BodyModel.Replace(call.Body.Span, call.ProviderModel))
            : new ReadOnlyMemoryContent(call.Body);
        var path = call.IsCountTokens ? "/v1/messages/count_tokens" : "/v1/messages";
        return ValueTask.FromResult(AnthropicUpstream.CreateRequest(call.Provider, HttpMethod.Post, path, call.Client, content));
    }

    public ProviderError MapError(string provider, HttpResponseMessage response, byte[]? body)
    {
        var (status, type, message) = ProviderErrors.Map(provider, (int)response.StatusCode, body);
        return new ProviderError(status, type, message);
    }
}
