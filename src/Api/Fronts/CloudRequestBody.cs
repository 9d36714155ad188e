using System.Text.Json;
using System.Text.Unicode;
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
        // The reader checks strings' UTF-8 only when it decodes them; the rewrite decodes every field name.
        problem = body.IsEmpty ? "The request body is empty; expected a JSON object."
            : !Utf8.IsValid(body) ? "The request body is not valid JSON: it is not UTF-8."
            : null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (problem is null && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
            {
                problem = "The request body is not a JSON object.";
            }
            while (problem is null && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isBeta = reader.ValueTextEquals("anthropic_beta"u8);
                var isVersion = reader.ValueTextEquals("anthropic_version"u8);
                reader.Read();
                if (isBeta)
                {
                    problem = ReadBetas(ref reader, betas);
                    continue;
                }
                if (isVersion && reader.TokenType == JsonTokenType.String)
                {
                    version = reader.GetString();
                }
                reader.Skip();
            }
            // A reader of one complete body throws on anything but white space after the object.
            while (problem is null && reader.Read())
            {
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on invalid UTF-8 or an unpaired surrogate escape.
            problem = $"The request body is not valid JSON: {e.Message}";
        }
        return problem is null;
    }

    /// <summary>Most betas a body may name (Anthropic's own lists are far shorter).</summary>
    public const int MaxBetas = 64;

    /// <summary>
    /// Betas become header values sent on to providers: short printable ASCII, no commas (which separate them). Null
    /// when every value is one, else the problem.
    /// </summary>
    private static string? ReadBetas(ref Utf8JsonReader reader, List<string> betas)
    {
        const int maxLength = 128;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return "anthropic_beta: Input should be a valid list";
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var beta = reader.TokenType == JsonTokenType.String ? reader.GetString()! : null;
            if (beta is null || beta.Length is 0 or > maxLength || beta.Any(c => c is <= ' ' or > '~' or ','))
            {
                return $"anthropic_beta: each value must be a string of 1-{maxLength} printable ASCII characters without spaces or commas";
            }
            if (betas.Count == MaxBetas)
            {
                return $"anthropic_beta: at most {MaxBetas} values";
            }
            betas.Add(beta);
        }
        return null;
    }

    private static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
}
