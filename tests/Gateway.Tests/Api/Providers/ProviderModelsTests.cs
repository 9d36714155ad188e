using System.Collections.Immutable;
using Gateway.Api.Providers;
using Gateway.Grains.Providers;
using Gateway.Projections.Models;

namespace Gateway.Tests.Api.Providers;

/// <summary>What each provider kind is asked for: any spelling of a known model, on any route, overridable per connection.</summary>
[Trait("Category", "Unit")]
public sealed class ProviderModelsTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    [Theory]
    [InlineData("claude-sonnet-4-5", "us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("claude-sonnet-4-5-20250929", "eu-west-1", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("claude-haiku-4-5", "ap-northeast-1", "global.anthropic.claude-haiku-4-5-20251001-v1:0")]
    [InlineData("claude-opus-5-5", "us-east-1", "us.anthropic.claude-opus-5-5")]
    [InlineData("claude-sonnet-4-6", "us-west-2", "us.anthropic.claude-sonnet-4-6")]
    // A Vertex spelling on a Bedrock route.
    [InlineData("claude-opus-4-5@20251101", "us-east-1", "us.anthropic.claude-opus-4-5-20251101-v1:0")]
    // The client's own Bedrock spelling stands when the region may call that profile…
    [InlineData("global.anthropic.claude-opus-4-5-20251101-v1:0", "us-east-1", "global.anthropic.claude-opus-4-5-20251101-v1:0")]
    [InlineData("us.anthropic.claude-opus-5-5", "us-east-2", "us.anthropic.claude-opus-5-5")]
    // …and is replaced when it cannot (a us profile from an EU connection, a bare id that needs a profile).
    [InlineData("us.anthropic.claude-opus-5-5", "eu-west-1", "eu.anthropic.claude-opus-5-5")]
    [InlineData("anthropic.claude-opus-5-5", "us-east-1", "us.anthropic.claude-opus-5-5")]
    public void Bedrock_routes_get_a_bedrock_id_for_every_spelling(string model, string region, string expected) =>
        Assert.Equal(expected, ProviderModels.Resolve(Catalog, Connection(ProviderKinds.Bedrock, region), model));

    [Theory]
    [InlineData("claude-opus-4-5", "claude-opus-4-5@20251101")]
    [InlineData("claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("claude-sonnet-4-6", "claude-sonnet-4-6")]
    [InlineData("us.anthropic.claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5@20250929")]
    [InlineData("claude-3-haiku@20240307", "claude-3-haiku@20240307")]
    public void Vertex_routes_get_a_vertex_id_for_every_spelling(string model, string expected) =>
        Assert.Equal(expected, ProviderModels.Resolve(Catalog, Connection(ProviderKinds.Vertex, "us-east5"), model));

    [Theory]
    [InlineData("claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("claude-sonnet-4-5", "claude-sonnet-4-5")]        // Anthropic resolves its own aliases
    [InlineData("us.anthropic.claude-opus-5-5", "claude-opus-5-5")]
    [InlineData("claude-opus-4-5@20251101", "claude-opus-4-5-20251101")]
    [InlineData("claude-unknown-9", "claude-unknown-9")]          // Anthropic answers its own 404
    public void Anthropic_routes_get_the_anthropic_id_for_a_clouds_spelling(string model, string expected) =>
        Assert.Equal(expected, ProviderModels.Resolve(Catalog, Connection(ProviderKinds.Anthropic, null), model));

    [Theory]
    [InlineData(ProviderKinds.Bedrock, "claude-unknown-9")]
    [InlineData(ProviderKinds.Vertex, "claude-unknown-9")]
    [InlineData(ProviderKinds.Vertex, "claude-mythos-5-2")]       // Bedrock serves it; the catalog knows no Vertex id
    public void A_cloud_route_has_no_id_for_a_model_the_catalog_does_not_map_for_it(string kind, string model) =>
        Assert.Null(ProviderModels.Resolve(Catalog, Connection(kind, "us-east-1"), model));

    [Fact]
    public void A_connections_model_ids_override_and_extend_the_catalog()
    {
        var bedrock = Connection(ProviderKinds.Bedrock, "us-east-1", new Dictionary<string, string>
        {
            ["claude-sonnet-4-5"] = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
            ["claude-house-1"] = "arn:aws:bedrock:us-east-1:123456789012:custom-model/house",
        });

        Assert.Equal("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", ProviderModels.Resolve(Catalog, bedrock, "claude-sonnet-4-5-20250929"));
        Assert.Equal("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
            ProviderModels.Resolve(Catalog, bedrock, "us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        Assert.Equal("arn:aws:bedrock:us-east-1:123456789012:custom-model/house", ProviderModels.Resolve(Catalog, bedrock, "claude-house-1"));
        Assert.Contains(ProviderModels.Describe(Catalog, bedrock), m => m["id"]!.GetValue<string>() == "claude-house-1");
    }

    [Fact]
    public void A_connections_models_list_allows_a_model_by_any_of_its_names()
    {
        var vertex = Connection(ProviderKinds.Vertex, "global") with { Models = ["claude-opus-4-5"] };

        Assert.True(ProviderModels.Allows(Catalog, vertex, "claude-opus-4-5@20251101"));
        Assert.True(ProviderModels.Allows(Catalog, vertex, "global.anthropic.claude-opus-4-5-20251101-v1:0"));
        Assert.False(ProviderModels.Allows(Catalog, vertex, "claude-opus-5-5"));
        Assert.Equal(["claude-opus-4-5-20251101"], ProviderModels.Describe(Catalog, vertex).Select(m => m["id"]!.GetValue<string>()));
    }

    [Fact]
    public void A_cloud_routes_model_list_carries_the_catalogs_names_dates_and_sizes()
    {
        var listed = ProviderModels.Describe(Catalog, Connection(ProviderKinds.Bedrock, "us-east-1"));

        var opus = Assert.Single(listed, m => m["id"]!.GetValue<string>() == "claude-opus-5-5");
        Assert.Equal("Claude Opus 5.5", opus["display_name"]!.GetValue<string>());
        Assert.Equal("2026-09-22T00:00:00Z", opus["created_at"]!.GetValue<string>());
        Assert.Equal(1_000_000, opus["max_input_tokens"]!.GetValue<long>());
        Assert.Equal(128_000, opus["max_tokens"]!.GetValue<long>());
        Assert.Equal(Catalog.Models.Count(m => m.BedrockId is not null), listed.Count);
    }

    private static ProviderConnection Connection(string kind, string? region, Dictionary<string, string>? modelIds = null) =>
        new("p", kind, new Uri("https://example.invalid"), ImmutableDictionary<string, string>.Empty, null, null, 1, region, "proj", null,
            modelIds?.ToImmutableDictionary());
}
