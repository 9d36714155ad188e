using System.Collections.Immutable;
using Gateway.Api.Providers;
using Gateway.Grains.Providers;

namespace Gateway.Tests.Api.Providers;

/// <summary>The model catalog: Anthropic ids and aliases to each provider kind's ids, overridable per connection.</summary>
public sealed class ProviderModelsTests
{
    [Theory]
    [InlineData("claude-sonnet-4-5", "us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("claude-sonnet-4-5-20250929", "eu-west-1", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("claude-haiku-4-5", "ap-northeast-1", "apac.anthropic.claude-haiku-4-5-20251001-v1:0")]
    [InlineData("claude-3-5-haiku-latest", "us-west-2", "anthropic.claude-3-5-haiku-20241022-v1:0")]
    [InlineData("global.anthropic.claude-opus-4-5-20251101-v1:0", "us-east-1", "global.anthropic.claude-opus-4-5-20251101-v1:0")]
    public void Bedrock_ids_use_the_regions_inference_profile_where_the_model_needs_one(string model, string region, string expected) =>
        Assert.Equal(expected, ProviderModels.Resolve(Connection(ProviderKinds.Bedrock, region), model));

    [Theory]
    [InlineData("claude-opus-4-1", "claude-opus-4-1@20250805")]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4@20250514")]
    [InlineData("claude-3-haiku@20240307", "claude-3-haiku@20240307")]
    public void Vertex_ids_carry_the_date_after_an_at_sign(string model, string expected) =>
        Assert.Equal(expected, ProviderModels.Resolve(Connection(ProviderKinds.Vertex, "us-east5"), model));

    [Fact]
    public void A_connections_model_ids_override_and_extend_the_catalog()
    {
        var bedrock = Connection(ProviderKinds.Bedrock, "us-east-1", new Dictionary<string, string>
        {
            ["claude-sonnet-4-5"] = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
            ["claude-opus-4-6"] = "global.anthropic.claude-opus-4-6-v1",
        });

        Assert.Equal("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", ProviderModels.Resolve(bedrock, "claude-sonnet-4-5-20250929"));
        Assert.Equal("global.anthropic.claude-opus-4-6-v1", ProviderModels.Resolve(bedrock, "claude-opus-4-6"));
        Assert.Null(ProviderModels.Resolve(bedrock, "claude-unknown-9"));
        Assert.Contains(ProviderModels.Describe(bedrock), m => m["id"]!.GetValue<string>() == "claude-opus-4-6");
    }

    private static ProviderConnection Connection(string kind, string region, Dictionary<string, string>? modelIds = null) =>
        new("p", kind, new Uri("https://example.invalid"), ImmutableDictionary<string, string>.Empty, null, null, 1, region, "proj", null,
            modelIds?.ToImmutableDictionary());
}
