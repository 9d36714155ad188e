using System.Text.Json.Nodes;
using Gateway.Api.Fronts.Vertex;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Api.Fronts.Vertex;

/// <summary>Vertex's platform refusals come in Google's error shape; the model's own in Anthropic's, as Vertex relays them.</summary>
[Trait("Category", "Unit")]
public sealed class VertexErrorShapeTests
{
    [Theory]
    [InlineData(401, "authentication_error", "UNAUTHENTICATED")]
    [InlineData(403, "permission_error", "PERMISSION_DENIED")]
    [InlineData(404, "not_found_error", "NOT_FOUND")]
    [InlineData(429, "rate_limit_error", "RESOURCE_EXHAUSTED")]
    public async Task Platform_refusals_are_in_googles_shape(int status, string type, string googleStatus)
    {
        var body = await WriteAsync(status, type);

        Assert.Equal(status, body["error"]!["code"]!.GetValue<int>());
        Assert.Equal(googleStatus, body["error"]!["status"]!.GetValue<string>());
        Assert.Equal("Nope.", body["error"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(402, "billing_error")]
    [InlineData(529, "overloaded_error")]
    [InlineData(502, "api_error")]
    public async Task The_models_refusals_are_in_anthropics_shape(int status, string type)
    {
        var body = await WriteAsync(status, type);

        Assert.Equal("error", body["type"]!.GetValue<string>());
        Assert.Equal(type, body["error"]!["type"]!.GetValue<string>());
        Assert.Equal("Nope.", body["error"]!["message"]!.GetValue<string>());
    }

    private static async Task<JsonNode> WriteAsync(int status, string type)
    {
        var context = new DefaultHttpContext();
        var output = new MemoryStream();
        context.Response.Body = output;

        await VertexErrorShape.Instance.WriteAsync(context, status, type, "Nope.");

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal(output.Length, context.Response.ContentLength);
        return JsonNode.Parse(output.ToArray())!;
    }
}
