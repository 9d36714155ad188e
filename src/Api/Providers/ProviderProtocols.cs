using Gateway.Api.Providers.Bedrock;
using Gateway.Api.Providers.Vertex;
using Gateway.Grains.Providers;

namespace Gateway.Api.Providers;

/// <summary>The protocol for each provider kind.</summary>
public sealed class ProviderProtocols(AnthropicProtocol anthropic, BedrockProtocol bedrock, VertexProtocol vertex)
{
    public IProviderProtocol For(string kind) => kind switch
    {
        ProviderKinds.Bedrock => bedrock,
        ProviderKinds.Vertex => vertex,
        _ => anthropic,
    };
}
