using System.Text.Json;
using Gateway.Api.Providers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Api.Fronts;

/// <summary>
/// Turns a cloud-shaped Messages body (Bedrock's InvokeModel, Vertex's rawPredict) into the Anthropic body: the model
/// and streaming come from the path, <c>anthropic_version</c> goes, the <c>anthropic_beta</c> array becomes
/// <c>anthropic-beta</c> values (the two are equivalent), and every other byte stays as the client sent it.
/// </summary>
public static class CloudRequestBody
{
    /// <summary>The Messages API version asked of an Anthropic provider when the client names none it could use.</summary>
    public const string DefaultAnthropicVersion = "2023-06-01";

    /// <summary>Most betas a body may name (Anthropic's own lists are far shorter).</summary>
    public const int MaxBetas = 64;

    private const int MaxBetaLength = 128;

    /// <param name="model">The path's model, which replaces any in the body; null keeps the body's (Vertex's count-tokens).</param>
    /// <param name="stream">Whether the endpoint streams; null for a token count, which has no <c>stream</c>.</param>
    /// <param name="alsoDrop">More top-level fields the Anthropic API would refuse (Bedrock's <c>max_tokens</c> when counting).</param>
    /// <returns>The Anthropic body, or null with <paramref name="problem"/> naming the field at fault.</returns>
    public static byte[]? Translate(ReadOnlySpan<byte> body, HttpRequest request, string? model, bool? stream, ReadOnlySpan<string> alsoDrop,
        out string? problem)
    {
        if (!TryScan(body, out var betas, out var version, out problem))
        {
            return null;
        }
        if (betas.Count > 0)
        {
            request.Headers["anthropic-beta"] = StringValues.Concat(request.Headers["anthropic-beta"], new StringValues([.. betas]));
        }
        if (string.IsNullOrEmpty(request.Headers["anthropic-version"]))
        {
            // Bedrock's and Vertex's own version names mean nothing to Anthropic; an SDK's dated one does.
            request.Headers["anthropic-version"] = version is { Length: 10 } && IsDate(version) ? version : DefaultAnthropicVersion;
        }
        string[] drop = ["anthropic_version", "anthropic_beta", "stream", .. model is null ? [] : new[] { "model" }, .. alsoDrop];
        var add = new List<(string, byte[])>(2);
        if (model is not null)
        {
            add.Add(("model", JsonBody.Quote(model)));
        }
        if (stream is { } streams)
        {
            add.Add(("stream", streams ? "true"u8.ToArray() : "false"u8.ToArray()));
        }
        return JsonBody.Rewrite(body, drop, add);
    }

    /// <summary>Checks the body is one JSON object and reads its <c>anthropic_beta</c> and <c>anthropic_version</c>.</summary>
    private static bool TryScan(ReadOnlySpan<byte> body, out List<string> betas, out string? version, out string? problem)
    {
        betas = [];
        version = null;
        problem = null;
        if (body.IsEmpty)
        {
            problem = "The request body is empty; expected a JSON object.";
            return false;
        }
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "The request body is not a JSON object.";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("anthropic_beta"u8))
                {
                    reader.Read();
                    if (!TryReadBetas(ref reader, betas, out problem))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("anthropic_version"u8))
                {
                    reader.Read();
                    version = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                problem = "The request body is not valid JSON: unexpected data after the top-level object.";
                return false;
            }
            return true;
        }
        catch (JsonException e)
        {
            problem = $"The request body is not valid JSON: {e.Message}";
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on invalid UTF-8 or an unpaired surrogate escape.
            problem = "The request body holds a string that is not valid UTF-8.";
            return false;
        }
    }

    /// <summary>Betas become header values sent on to providers: short printable ASCII, no commas (which separate them).</summary>
    private static bool TryReadBetas(ref Utf8JsonReader reader, List<string> betas, out string? problem)
    {
        problem = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problem = "anthropic_beta: Input should be a valid list";
            return false;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var beta = reader.TokenType == JsonTokenType.String ? reader.GetString()! : null;
            if (beta is null || beta.Length is 0 or > MaxBetaLength || beta.Any(c => c is <= ' ' or > '~' or ','))
            {
                problem = $"anthropic_beta: each value must be a string of 1-{MaxBetaLength} printable ASCII characters without spaces or commas";
                return false;
            }
            if (betas.Count == MaxBetas)
            {
                problem = $"anthropic_beta: at most {MaxBetas} values";
                return false;
            }
            betas.Add(beta);
        }
        return true;
    }

    private static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
}
