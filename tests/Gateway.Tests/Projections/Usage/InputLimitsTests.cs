using System.Collections.Immutable;
using Gateway.Projections.Usage;

namespace Gateway.Tests.Projections.Usage;

/// <summary>The limits on what may be recorded, and the cleaning of what the gateway does not control.</summary>
[Trait("Category", "Unit")]
public sealed class InputLimitsTests
{
    [Theory]
    [InlineData("claude-opus-5-5", true)]
    [InlineData("us.anthropic.claude-opus-5-5", true)]
    [InlineData("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", true)]
    [InlineData("claude-opus-4-5@20251101", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a\u0000", false)]
    [InlineData("a\nb", false)]
    [InlineData("modèle", false)]
    public void Model_names_are_printable_ascii_up_to_256_characters(string model, bool ok)
    {
        Assert.Equal(ok, InputLimits.CheckModel(model) is null);
        Assert.NotNull(InputLimits.CheckModel(new string('m', 257)));
        Assert.Null(InputLimits.CheckModel(new string('m', 256)));
    }

    [Fact]
    public void Metadata_is_bounded_in_entries_key_shape_value_text_and_total_bytes()
    {
        Assert.Null(InputLimits.CheckMetadata(Entries(("user", "alice"), ("cost_center", "cc-42"), ("team.name", "Ünïcode ✓"))));
        Assert.Contains("16 entries", InputLimits.CheckMetadata(Entries([.. Enumerable.Range(0, 17).Select(i => ($"k{i}", "v"))])));
        Assert.Contains("key", InputLimits.CheckMetadata(Entries(("-user", "x"))));
        Assert.Contains("key", InputLimits.CheckMetadata(Entries((new string('k', 65), "x"))));
        Assert.Contains("value of 'user'", InputLimits.CheckMetadata(Entries(("user", new string('v', 257)))));
        Assert.Contains("control", InputLimits.CheckMetadata(Entries(("user", "a\u0000b"))));
        Assert.Contains("control", InputLimits.CheckMetadata(Entries(("user", "\ud800"))));
        Assert.Contains("1024 bytes", InputLimits.CheckMetadata(Entries([.. Enumerable.Range(0, 5).Select(i => ($"k{i}", new string('v', 250)))])));
    }

    [Fact]
    public void Metadata_over_the_limits_is_cut_to_fit_keeping_entries_in_key_order()
    {
        var over = Entries([.. Enumerable.Range(0, 5).Select(i => ($"k{i}", new string('v', 250)))]);

        var fitted = InputLimits.Fit(over);

        Assert.Equal(["k0", "k1", "k2", "k3"], fitted.Keys.Order());
        Assert.Null(InputLimits.CheckMetadata(fitted));
        Assert.Same(fitted, InputLimits.Fit(fitted));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("line one\r\nline two", "line one  line two")]
    [InlineData("nul\u0000here", "nul here")]
    [InlineData("pair 😀 ok", "pair 😀 ok")]
    public void Text_the_gateway_does_not_control_is_cleaned_before_it_is_recorded(string text, string expected) =>
        Assert.Equal(expected, InputLimits.Recordable(text));

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character()
    {
        // Built in code: an attribute argument cannot carry a lone surrogate through the compiler.
        var lone = "lone " + (char)0xD800 + " high";

        Assert.Equal("lone \uFFFD high", InputLimits.Recordable(lone));
        Assert.False(InputLimits.IsCleanText(lone));
    }

    [Fact]
    public void Recorded_text_is_cut_at_its_limit()
    {
        var cut = InputLimits.Recordable(new string('x', 5_000))!;

        Assert.Equal(InputLimits.RecordedTextMaxLength + 1, cut.Length);
        Assert.EndsWith("…", cut);
    }

    private static ImmutableDictionary<string, string> Entries(params (string Key, string Value)[] entries) =>
        entries.ToImmutableDictionary(e => e.Key, e => e.Value);
}
