using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Errors;

/// <summary>
/// How a front whose clients expect another API's errors (Bedrock's, Vertex's) writes an error. A front sets it as a
/// request feature; <see cref="AnthropicErrors.WriteAsync(HttpContext, int, string, string)"/> then hands every error of
/// that request to it, so refusals anywhere in the one pipeline reach those clients in the shape they read.
/// </summary>
public interface IErrorShape
{
    /// <summary>Writes the error (status, Anthropic error type, message) as the front's clients expect it; the response has not started.</summary>
    Task WriteAsync(HttpContext context, int status, string type, string message);
}
