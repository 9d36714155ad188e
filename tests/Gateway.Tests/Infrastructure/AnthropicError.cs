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

    /// <summary>Reads the error after checking the status and type.</summary>
    public static async Task<AnthropicError> ReadAsync(HttpResponseMessage response, System.Net.HttpStatusCode status, string type)
    {
        var error = await ReadAsync(response);
        Assert.True(response.StatusCode == status && error.Type == type, $"expected {(int)status} {type}, got {(int)response.StatusCode} {error.Type}: {error.Message}");
        return error;
    }
}
