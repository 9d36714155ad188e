using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>An error response, checked to be in Anthropic's shape.</summary>
public sealed record AnthropicError(string Type, string Message, string? RequestId)
{
    public static async Task<AnthropicError> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("error", json["type"]?.GetValue<string>());
        var error = json["error"]!.AsObject();
        return new AnthropicError(error["type"]!.GetValue<string>(), error["message"]!.GetValue<string>(), json["request_id"]?.GetValue<string>());
    }
}
