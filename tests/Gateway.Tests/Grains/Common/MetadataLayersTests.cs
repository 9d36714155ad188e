using System.Collections.Immutable;
using Gateway.Grains.Common;

namespace Gateway.Tests.Grains.Common;

/// <summary>The documented precedence of metadata: key (or user) over config over workspace over the request's headers.</summary>
[Trait("Category", "Unit")]
public sealed class MetadataLayersTests
{
    private static ImmutableDictionary<string, string> CostCenter(string? value) => value is null
        ? ImmutableDictionary<string, string>.Empty
        : ImmutableDictionary<string, string>.Empty.Add("cost_center", value);

    [Theory]
    [InlineData("header", "workspace", "config", "key", "key")]
    [InlineData("header", "workspace", "config", null, "config")]
    [InlineData("header", "workspace", null, "key", "key")]
    [InlineData("header", "workspace", null, null, "workspace")]
    [InlineData("header", null, "config", null, "config")]
    [InlineData("header", null, null, null, "header")]
    [InlineData(null, "workspace", null, null, "workspace")]
    [InlineData(null, null, null, null, null)]
    public void The_highest_layer_that_sets_a_key_wins(string? header, string? workspace, string? config, string? key, string? expected)
    {
        var layers = new MetadataLayers(CostCenter(workspace), CostCenter(config), CostCenter(key));

        var metadata = layers.Over(CostCenter(header));

        Assert.Equal(expected, metadata.GetValueOrDefault("cost_center"));
    }

    [Fact]
    public void Keys_set_at_different_layers_are_all_kept()
    {
        var layers = new MetadataLayers(
            ImmutableDictionary<string, string>.Empty.Add("team", "eng").Add("user", "from workspace"),
            ImmutableDictionary<string, string>.Empty.Add("project", "atlas"),
            ImmutableDictionary<string, string>.Empty.Add("user", "alice"));

        var metadata = layers.Over(ImmutableDictionary<string, string>.Empty.Add("session", "s-1").Add("team", "from header"));

        Assert.Equal(
            new Dictionary<string, string> { ["session"] = "s-1", ["team"] = "eng", ["project"] = "atlas", ["user"] = "alice" },
            metadata.ToDictionary());
    }
}
