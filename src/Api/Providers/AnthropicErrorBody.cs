using System.Text.Json;

namespace Gateway.Api.Providers;

/// <summary>The type and message of an Anthropic error body (<c>{"type":"error","error":{"type","message"}}</c>); null when absent.</summary>
public readonly record struct AnthropicErrorBody(string? Type, string? Message)
{
    public static AnthropicErrorBody Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var error = default(AnthropicErrorBody);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError)
                {
                    error = ReadInner(ref reader, error);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not Anthropic's shape (or cut): what was read so far stands; the caller maps the status for the rest.
        }
        return error;
    }

    /// <summary>Reads the <c>error</c> object at the reader's position (a body's, or an SSE <c>error</c> event's), over <paramref name="known"/>.</summary>
    internal static AnthropicErrorBody ReadInner(ref Utf8JsonReader reader, AnthropicErrorBody known)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return known;
        }
        var (type, message) = (known.Type, known.Message);
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            var isType = reader.ValueTextEquals("type"u8);
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }
        return new AnthropicErrorBody(type, message);
    }
}
