using System.Collections.Immutable;
using Gateway.Api.DataPlane;
using Gateway.Grains.Common;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;
using Gateway.Grains.Logging;
using Gateway.Grains.Workspaces;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.DataPlane;

/// <summary>
/// The metadata a request is recorded with, from its headers and its admins' layers, and the workspace's required keys:
/// each refusal names the header or key at fault.
/// </summary>
[Trait("Category", "Unit")]
public sealed class GovernedMetadataTests
{
    private static readonly ImmutableDictionary<string, string> None = ImmutableDictionary<string, string>.Empty;
    private static readonly ImmutableDictionary<string, string> SessionHeader = None.Add("x-claude-code-session-id", "session");

    private static AdmittedRequest Admitted(MetadataLayers layers, MetadataPolicy policy) =>
        new("k1", "eng", layers.Over(None), RouteConfig.SingleProvider("p"), null, [], LogPolicy.Default, layers, policy);

    private static HttpRequest Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }
        return context.Request;
    }

    [Fact]
    public void A_mapped_header_becomes_metadata_over_x_gateway_metadata_and_under_every_admin_layer()
    {
        var layers = new MetadataLayers(None.Add("team", "eng"), None, None.Add("user", "alice"));
        var admitted = Admitted(layers, new MetadataPolicy([], SessionHeader.Add("x-team", "team")));
        var sent = None.Add("session", "from x-gateway-metadata").Add("ticket", "T-1");

        Assert.True(GovernedMetadata.TryLayer(Request(("X-Claude-Code-Session-Id", "s-42"), ("x-team", "spoofed")), sent, admitted,
            out var metadata, out var problem), problem);

        Assert.Equal(new Dictionary<string, string> { ["session"] = "s-42", ["ticket"] = "T-1", ["team"] = "eng", ["user"] = "alice" },
            metadata.ToDictionary());
    }

    [Theory]
    [InlineData("a\tb", "control characters")]
    [InlineData("a\u0001b", "control characters")]
    [InlineData("a\u007fb", "control characters")]
    [InlineData("surrogate", "unpaired surrogates")]
    [InlineData("300", "at most 256 characters")]
    public void A_mapped_header_whose_value_cannot_be_recorded_is_refused_naming_the_header(string value, string expected)
    {
        var admitted = Admitted(MetadataLayers.None, new MetadataPolicy([], SessionHeader));
        // Theory data cannot carry an unpaired surrogate whole.
        var request = Request(("x-claude-code-session-id", value switch { "300" => new string('s', 300), "surrogate" => "a\ud800", _ => value }));

        Assert.False(GovernedMetadata.TryLayer(request, None, admitted, out var metadata, out var problem));

        Assert.StartsWith("x-claude-code-session-id: ", problem);
        Assert.Contains(expected, problem);
        Assert.Contains("metadata 'session'", problem);
        Assert.Empty(metadata);
    }

    [Fact]
    public void A_mapped_header_sent_twice_is_refused_and_one_left_out_is_no_metadata()
    {
        var admitted = Admitted(MetadataLayers.None, new MetadataPolicy([], SessionHeader));

        Assert.False(GovernedMetadata.TryLayer(Request(("x-claude-code-session-id", "a"), ("x-claude-code-session-id", "b")), None, admitted, out _,
            out var problem));
        Assert.Contains("send it once", problem);

        Assert.True(GovernedMetadata.TryLayer(Request(), None, admitted, out var metadata, out _));
        Assert.Empty(metadata);
    }

    [Fact]
    public void A_missing_required_key_is_refused_naming_it_the_workspace_and_where_it_can_come_from()
    {
        var admitted = Admitted(new MetadataLayers(None.Add("team", "eng"), None, None),
            new MetadataPolicy(["cost_center", "team", "project"], None.Add("x-project", "project")));

        Assert.False(GovernedMetadata.TryLayer(Request(), None.Add("cost_center", " "), admitted, out var metadata, out var problem));

        Assert.Equal("metadata 'cost_center', 'project' are required by workspace 'eng': set them on the key, its config or workspace, "
            + "or send them in x-gateway-metadata or x-project.", problem);
        Assert.Equal("eng", metadata["team"]);
    }

    [Fact]
    public void A_required_key_from_any_layer_or_header_satisfies_the_workspace()
    {
        var policy = new MetadataPolicy(["cost_center"], None.Add("x-cost-center", "cost_center"));
        var fromKey = Admitted(new MetadataLayers(None, None, None.Add("cost_center", "cc-1")), policy);
        var fromConfig = Admitted(new MetadataLayers(None, None.Add("cost_center", "cc-2"), None), policy);
        var bare = Admitted(MetadataLayers.None, policy);

        Assert.True(GovernedMetadata.TryLayer(Request(), None, fromKey, out var keyMetadata, out _));
        Assert.True(GovernedMetadata.TryLayer(Request(), None, fromConfig, out var configMetadata, out _));
        Assert.True(GovernedMetadata.TryLayer(Request(("x-cost-center", "cc-3")), None, bare, out var headerMetadata, out _));
        Assert.True(GovernedMetadata.TryLayer(Request(), None.Add("cost_center", "cc-4"), bare, out var sentMetadata, out _));

        Assert.Equal(["cc-1", "cc-2", "cc-3", "cc-4"], new[] { keyMetadata, configMetadata, headerMetadata, sentMetadata }.Select(m => m["cost_center"]));
    }

    [Fact]
    public void A_mapped_header_that_fits_alone_but_not_with_the_admins_metadata_is_refused_naming_it()
    {
        var crowded = Enumerable.Range(0, 16).ToImmutableDictionary(i => $"k{i}", i => "v");
        var admitted = Admitted(new MetadataLayers(crowded, None, None), new MetadataPolicy([], SessionHeader));

        Assert.False(GovernedMetadata.TryLayer(Request(("x-claude-code-session-id", "s")), None, admitted, out var metadata, out var problem));

        Assert.StartsWith("x-claude-code-session-id: together with the key's metadata", problem);
        Assert.Contains("at most 16 entries", problem);
        Assert.Equal(crowded, metadata);
    }
}
