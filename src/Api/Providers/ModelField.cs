using System.Text;
using System.Text.Json;

namespace Gateway.Api.Providers;

/// <summary>The body's <c>model</c> value and where its JSON string sits in the body's bytes.</summary>
public readonly record struct ModelField(string Model, int Start, int Length)
{
    /// <summary>The body with its model replaced (a provider's id, a route's <c>override_params.model</c>); other bytes untouched.</summary>
    public byte[] Replace(ReadOnlySpan<byte> body, string model)
    {
        var encoded = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(model));
        var result = new byte[body.Length - Length + encoded.Length];
        body[..Start].CopyTo(result);
        encoded.CopyTo(result.AsSpan(Start));
        body[(Start + Length)..].CopyTo(result.AsSpan(Start + encoded.Length));
        return result;
    }
}
