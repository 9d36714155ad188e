using System.Text;
using System.Text.Json.Nodes;
using Gateway.Api.Fronts;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.Fronts;

/// <summary>A cloud-shaped Messages body becomes the Anthropic body: model and stream from the path, betas as headers, the rest as sent.</summary>
[Trait("Category", "Unit")]
public sealed class CloudRequestBodyTests
{
    /// <summary>Translates a text body with no extra fields dropped; the Anthropic body as text, or null.</summary>
    private static string? Translate(string body, HttpRequest request, string model, bool stream, out string? problem) =>
        CloudRequestBody.Translate(Encoding.UTF8.GetBytes(body), request, model, stream, [], out problem) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    [Fact]
    public void Model_and_stream_come_from_the_path_and_the_rest_stays_byte_for_byte()
    {
        var request = new DefaultHttpContext().Request;
        const string system = "[{\"type\":\"text\",\"text\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\"}}]";
        var body = $"{{\"anthropic_version\":\"bedrock-2023-05-31\",\"model\":\"ignored\",\"stream\":false,\"max_tokens\":64,\"system\":{system},"
                   + "\"future\":{\"n\":1.50},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        var translated = Translate(body, request, "us.anthropic.claude-opus-5-5", stream: true, out var problem);

        Assert.Null(problem);
        var json = JsonNode.Parse(translated!)!.AsObject();
        Assert.Equal("us.anthropic.claude-opus-5-5", json["model"]!.GetValue<string>());
        Assert.True(json["stream"]!.GetValue<bool>());
        Assert.False(json.ContainsKey("anthropic_version"));
        Assert.Contains("\"system\":" + system, translated);
        Assert.Contains("\"future\":{\"n\":1.50}", translated);
        Assert.Equal(["model", "stream", "max_tokens", "system", "future", "messages"], json.Select(p => p.Key));
    }

    [Fact]
    public void Body_betas_join_the_header_betas()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers["anthropic-beta"] = "context-1m-2025-08-07";

        Translate("""{"anthropic_beta":["interleaved-thinking-2025-05-14","context-1m-2025-08-07"],"messages":[]}""", request, "m", false, out var problem);

        Assert.Null(problem);
        Assert.Equal(["context-1m-2025-08-07", "interleaved-thinking-2025-05-14", "context-1m-2025-08-07"], request.Headers["anthropic-beta"].ToArray().Select(v => v!));
        Assert.Equal(["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"], new Gateway.Api.Providers.ForwardedRequest(request.Headers, null).BetaValues());
    }

    [Theory]
    [InlineData("""{"anthropic_version":"2026-10-21","messages":[]}""", null, "2026-10-21")]
    [InlineData("""{"anthropic_version":"bedrock-2023-05-31","messages":[]}""", null, "2023-06-01")]
    [InlineData("""{"anthropic_version":"vertex-2023-10-16","messages":[]}""", null, "2023-06-01")]
    [InlineData("""{"messages":[]}""", null, "2023-06-01")]
    [InlineData("""{"anthropic_version":"2026-10-21","messages":[]}""", "2023-06-01", "2023-06-01")]
    public void The_anthropic_version_header_is_the_clients_or_a_dated_body_version_or_the_default(string body, string? header, string expected)
    {
        var request = new DefaultHttpContext().Request;
        if (header is not null)
        {
            request.Headers["anthropic-version"] = header;
        }

        Translate(body, request, "m", false, out _);

        Assert.Equal(expected, request.Headers["anthropic-version"].ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{"messages":[]} trailing""", "not valid JSON")]
    [InlineData("""{"messages":[""", "not valid JSON")]
    [InlineData("""{"anthropic_beta":"one-beta","messages":[]}""", "anthropic_beta: Input should be a valid list")]
    [InlineData("""{"anthropic_beta":["bad\r\nX-Injected: 1"],"messages":[]}""", "anthropic_beta: each value")]
    [InlineData("""{"anthropic_beta":["a,b"],"messages":[]}""", "anthropic_beta: each value")]
    [InlineData("""{"anthropic_beta":[7],"messages":[]}""", "anthropic_beta: each value")]
    [InlineData("""{"anthropic_beta":["\ud800"],"messages":[]}""", "not valid JSON")]
    public void A_body_that_cannot_be_read_is_refused_naming_why(string body, string expected)
    {
        var request = new DefaultHttpContext().Request;

        var translated = Translate(body, request, "m", false, out var problem);

        Assert.Null(translated);
        Assert.Contains(expected, problem);
        Assert.False(request.Headers.ContainsKey("anthropic-beta"));
    }

    [Fact]
    public void A_body_that_is_not_utf8_is_refused_before_any_field_name_is_decoded()
    {
        var body = Encoding.UTF8.GetBytes("{\"messages\":[],\"x\":1}");
        body[Array.IndexOf(body, (byte)'x')] = 0xB6;

        Assert.Null(CloudRequestBody.Translate(body, new DefaultHttpContext().Request, "m", false, [], out var problem));
        Assert.Equal("The request body is not valid JSON: it is not UTF-8.", problem);
    }

    [Fact]
    public void A_field_name_with_an_unpaired_surrogate_escape_is_kept_as_sent()
    {
        var translated = Translate("""{"\ud800":1,"messages":[]}""", new DefaultHttpContext().Request, "m", false, out var problem);

        Assert.Null(problem);
        Assert.Equal("""{"model":"m","stream":false,"\ud800":1,"messages":[]}""", translated);
    }

    [Fact]
    public void More_betas_than_allowed_are_refused()
    {
        var betas = new JsonArray([.. Enumerable.Range(0, CloudRequestBody.MaxBetas + 1).Select(i => JsonValue.Create($"beta-{i}"))]);

        var translated = Translate(new JsonObject { ["anthropic_beta"] = betas, ["messages"] = new JsonArray() }.ToJsonString(),
            new DefaultHttpContext().Request, "m", false, out var problem);

        Assert.Null(translated);
        Assert.Equal($"anthropic_beta: at most {CloudRequestBody.MaxBetas} values", problem);
    }

    [Fact]
    public void A_token_count_keeps_the_bodys_model_and_drops_stream_and_what_else_is_named()
    {
        var translated = CloudRequestBody.Translate("""{"model":"claude-opus-4-5@20251101","stream":true,"max_tokens":5,"messages":[]}"""u8,
            new DefaultHttpContext().Request, model: null, stream: null, ["max_tokens"], out var problem);

        Assert.Null(problem);
        Assert.Equal("""{"model":"claude-opus-4-5@20251101","messages":[]}""", Encoding.UTF8.GetString(translated!));
    }
}
