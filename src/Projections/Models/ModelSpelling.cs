namespace Gateway.Projections.Models;

/// <summary>How a name spells a model: the Anthropic id or an alias, or one of the clouds' ids.</summary>
public enum ModelSpelling
{
    Anthropic,
    Bedrock,
    Vertex,
}
