using System.Collections.Immutable;
using Gateway.Grains.Common;
using Gateway.Grains.Workspaces;

namespace Gateway.Tests.Grains.Workspaces;

/// <summary>A workspace's metadata rules: what an admin may set, and which required keys a request lacks.</summary>
[Trait("Category", "Unit")]
public sealed class MetadataPolicyTests
{
    [Theory]
    [InlineData("x claude", "not a header name")]
    [InlineData("x-claude:session", "not a header name")]
    [InlineData("", "not a header name")]
    [InlineData("x-é", "not a header name")]
    [InlineData("Authorization", "may carry a credential")]
    [InlineData("x-api-key", "may carry a credential")]
    [InlineData("Cookie", "may carry a credential")]
    [InlineData("proxy-authorization", "may carry a credential")]
    [InlineData("x-amz-security-token", "may carry a credential")]
    [InlineData("x-goog-api-key", "may carry a credential")]
    [InlineData("x-gateway-metadata", "the gateway's own")]
    public void A_header_that_is_no_header_name_or_carries_a_secret_cannot_be_mapped(string header, string expected)
    {
        var refused = Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidHeaders(new Dictionary<string, string> { [header] = "session" }));

        Assert.Equal(AdminProblem.Invalid, refused.Problem);
        Assert.StartsWith("metadata_headers:", refused.Message);
        Assert.Contains(expected, refused.Message);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("-leading")]
    public void A_header_mapped_to_a_key_that_cannot_be_recorded_is_refused(string key)
    {
        var refused = Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidHeaders(new Dictionary<string, string> { ["x-team"] = key }));

        Assert.StartsWith("metadata_headers: 'x-team': key", refused.Message);
    }

    [Fact]
    public void Too_many_headers_two_spellings_of_one_header_or_two_headers_for_one_key_are_refused()
    {
        var many = Enumerable.Range(0, MetadataPolicy.MaxEntries + 1).ToDictionary(i => $"x-h{i}", i => $"k{i}");
        Assert.Contains("at most 16 headers", Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidHeaders(many)).Message);

        var twice = new Dictionary<string, string> { ["X-Session"] = "a", ["x-session"] = "b" };
        Assert.Contains("named twice", Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidHeaders(twice)).Message);

        var oneKey = new Dictionary<string, string> { ["x-a"] = "session", ["x-b"] = "session" };
        Assert.Contains("more than one header maps to 'session'", Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidHeaders(oneKey)).Message);
    }

    [Fact]
    public void Header_names_are_kept_in_lower_case()
    {
        var headers = MetadataPolicy.RequireValidHeaders(new Dictionary<string, string> { ["X-Claude-Code-Session-Id"] = "session" });

        Assert.Equal("session", headers!["x-claude-code-session-id"]);
    }

    [Fact]
    public void Required_keys_must_be_recordable_keys_each_named_once_and_at_most_sixteen()
    {
        Assert.Contains("key 'cost center'", Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidKeys(["cost center"])).Message);
        Assert.Contains("each key once", Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidKeys(["a", "a"])).Message);
        Assert.Contains("at most 16 keys",
            Assert.Throws<AdminException>(() => MetadataPolicy.RequireValidKeys([.. Enumerable.Range(0, 17).Select(i => $"k{i}")])).Message);
        MetadataPolicy.RequireValidKeys(["cost_center", "team"]);
    }

    [Fact]
    public void A_required_key_that_is_absent_or_blank_is_missing()
    {
        var policy = new MetadataPolicy(["cost_center", "team", "project"], ImmutableDictionary<string, string>.Empty);

        var missing = policy.MissingFrom(new Dictionary<string, string> { ["team"] = " ", ["project"] = "atlas" });

        Assert.Equal(["cost_center", "team"], missing.ToArray());
        Assert.Empty(MetadataPolicy.None.MissingFrom(new Dictionary<string, string>()));
    }
}
