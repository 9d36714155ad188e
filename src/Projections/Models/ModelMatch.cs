namespace Gateway.Projections.Models;

/// <summary>A model found by one of its names; <see cref="BedrockPrefix"/> is the profile a Bedrock spelling carried.</summary>
public readonly record struct ModelMatch(ModelEntry Model, ModelSpelling Spelling, string? BedrockPrefix = null);
