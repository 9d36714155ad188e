using System.Text.Json;

namespace Gateway.Api.Providers;

/// <summary>The type and message of an Anthropic error body (<c>{"type":"error","error":{"type","message"}}</c>); null when absent.</summary>
public readonly record struct AnthropicErrorBody(string? Type, string? Message)
{
    public static AnthropicErrorBody Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string? type = null, message = null;
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
                if (!isError || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
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
                    if (reader.TokenType == JsonTokenType.String && (isType || isMessage))
                    {
                        (type, message) = isType ? (reader.GetString(), message) : (type, reader.GetString());
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not Anthropic's shape (or cut): what was read so far stands; the caller maps the status for the rest.
        }
        return new AnthropicErrorBody(type, message);
    }
}
