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

    public Task WriteAsync(HttpContext context, int status, string type, string message) => FrontErrorBodies.WriteAsync(context, status,
        GoogleStatus(status) is { } googleStatus
            ? FrontErrorBodies.Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartObject("error");
                writer.WriteNumber("code", status);
                writer.WriteString("message", message);
                writer.WriteString("status", googleStatus);
                writer.WriteEndObject();
                writer.WriteEndObject();
            })
            : AnthropicErrors.Serialize(type, message, RequestIds.Get(context)));

    /// <summary>Google's status name for the errors Vertex's platform answers itself; null for the model's own.</summary>
    public static string? GoogleStatus(int status) => status switch
    {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        _ => null,
    };
}
