using System.Text;
using System.Text.Json;
using Gateway.Projections.Logs;

namespace Gateway.Tests.Projections.Logs;

/// <summary>The full-text projection's search text: bounded, and always text PostgreSQL can store.</summary>
[Trait("Category", "Unit")]
public sealed class RequestContentProjectionTests
{
    [Theory]
    [InlineData(31_999)] // the cut falls between the halves of an emoji
    [InlineData(32_000)]
    public void A_long_answer_is_cut_to_the_limit_without_splitting_a_surrogate_pair(int prefix)
    {
        var answer = new string('a', prefix) + string.Concat(Enumerable.Repeat("😀", 100));
        var content = new RequestContentRecorded
        {
            RequestId = "req_cut",
            Workspace = "w",
            StartedAt = DateTimeOffset.UtcNow,
            Response = JsonSerializer.SerializeToElement(new { content = new[] { new { type = "text", text = answer } } }),
        };

        var text = RequestContentProjection.SearchText(content);

        Assert.InRange(text.Length, 31_999, 32_000);
        Assert.False(char.IsHighSurrogate(text[^1]), "the text ends with half a surrogate pair");
        // Strict UTF-8 encoding throws on a lone surrogate, as PostgreSQL's client encoding does.
        _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
    }
}
