using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Fronts;

/// <summary>The error bodies the cloud fronts write: JSON built once, then answered whole with its length.</summary>
public static class FrontErrorBodies
{
    // Messages are the gateway's and providers' text: escaped where JSON needs it, readable otherwise.
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON <paramref name="write"/> writes, as UTF-8.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var body = new MemoryStream(128);
        using (var writer = new Utf8JsonWriter(body, Relaxed))
        {
            write(writer);
        }
        return body.ToArray();
    }

    /// <summary>Answers <paramref name="status"/> with the JSON <paramref name="body"/>.</summary>
    public static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, CancellationToken.None).AsTask();
    }
}
