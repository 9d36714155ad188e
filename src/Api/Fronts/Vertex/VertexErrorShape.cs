using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Api.Errors;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts.Vertex;

/// <summary>
/// Errors as Vertex AI answers them: what its platform refuses — a credential (401), a permission (403), an unknown
/// model or endpoint (404), a quota (429) — in Google's shape <c>{"error":{"code","message","status"}}</c>; what the
/// model refuses in Anthropic's own shape, which Vertex relays as Claude sent it.
/// </summary>
public sealed class VertexErrorShape : IErrorShape
{
    public static VertexErrorShape Instance { get; } = new();

    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        var body = GoogleStatus(status) is { } googleStatus
            ? GoogleError(status, googleStatus, message)
            : AnthropicErrors.Serialize(type, message, RequestIds.Get(context));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, CancellationToken.None);
    }

    /// <summary>Google's status name for the errors Vertex's platform answers itself; null for the model's own.</summary>
    public static string? GoogleStatus(int status) => status switch
    {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        _ => null,
    };

    private static byte[] GoogleError(int status, string googleStatus, string message)
    {
        using var body = new MemoryStream(64 + message.Length);
        using (var writer = new Utf8JsonWriter(body, Relaxed))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", status);
            writer.WriteString("message", message);
            writer.WriteString("status", googleStatus);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return body.ToArray();
    }
}
