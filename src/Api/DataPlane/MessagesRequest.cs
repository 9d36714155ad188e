using System.Text.Json;
using Gateway.Projections.Usage;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The few top-level fields of a Messages API body the gateway must read (model, stream, max_tokens,
/// messages), found in one forward pass without building a document; the body itself is forwarded as is.
/// </summary>
public sealed class MessagesRequest
{
    private MessagesRequest(string model, bool stream, int? maxTokens, int modelStart, int modelLength)
    {
        Model = model;
        Stream = stream;
        MaxTokens = maxTokens;
        ModelStart = modelStart;
        ModelLength = modelLength;
    }

    public string Model { get; }

    public bool Stream { get; }

    public int? MaxTokens { get; }

    /// <summary>Byte offset and length of the model's JSON string token, for rewriting it in place.</summary>
    private int ModelStart { get; }

    private int ModelLength { get; }

    /// <summary>Which fields an endpoint needs.</summary>
    public enum Shape
    {
        /// <summary><c>POST /v1/messages</c>: model, max_tokens and messages are required.</summary>
        Messages,

        /// <summary><c>POST /v1/messages/count_tokens</c>: model and messages are required.</summary>
        CountTokens,
    }

    /// <summary>Reads the body; on failure returns null and a message naming the field, Anthropic style.</summary>
    public static MessagesRequest? TryRead(ReadOnlySpan<byte> body, Shape shape, out string? problem)
    {
        problem = null;
        if (body.IsEmpty)
        {
            problem = "The request body is empty; expected a JSON object.";
            return null;
        }

        string? model = null;
        var stream = false;
        int? maxTokens = null;
        var hasMessages = false;
        int modelStart = 0, modelLength = 0;
        var seenStream = false;
        var seenMaxTokens = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "The request body must be a JSON object.";
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    // Providers' parsers disagree on which duplicate wins; the gateway must route and check what they use.
                    if (model is not null)
                    {
                        problem = "model: duplicate field";
                        return null;
                    }
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        problem = "model: Input should be a valid string";
                        return null;
                    }
                    model = reader.GetString();
                    modelStart = (int)reader.TokenStartIndex;
                    modelLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    if (seenStream)
                    {
                        problem = "stream: duplicate field";
                        return null;
                    }
                    seenStream = true;
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        problem = "stream: Input should be a valid boolean";
                        return null;
                    }
                    stream = reader.GetBoolean();
                }
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    // The gateway's bound must be the value the provider uses, whichever duplicate its parser keeps.
                    if (seenMaxTokens)
                    {
                        problem = "max_tokens: duplicate field";
                        return null;
                    }
                    seenMaxTokens = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
                    {
                        problem = "max_tokens: Input should be a valid integer";
                        return null;
                    }
                    if (value < 1)
                    {
                        problem = "max_tokens: Input should be greater than or equal to 1";
                        return null;
                    }
                    maxTokens = value;
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    if (hasMessages)
                    {
                        problem = "messages: duplicate field";
                        return null;
                    }
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        problem = "messages: Input should be a valid list";
                        return null;
                    }
                    hasMessages = true;
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
                // Utf8JsonReader stops at the end of the first value; anything after it is not one JSON object.
                problem = "The request body is not valid JSON: unexpected data after the top-level object.";
                return null;
            }
        }
        catch (JsonException e)
        {
            problem = $"The request body is not valid JSON: {e.Message}";
            return null;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader.GetString on invalid UTF-8 or an unpaired surrogate escape.
            problem = "model: Input should be a valid string (invalid UTF-8 or escape)";
            return null;
        }

        if (model is null)
        {
            problem = "model: Field required";
        }
        else if (InputLimits.CheckModel(model) is { } invalid)
        {
            // Checked before anything records it: the model reaches the usage event, log lines and report keys.
            problem = $"model: {invalid}";
        }
        else if (!hasMessages)
        {
            problem = "messages: Field required";
        }
        else if (shape == Shape.Messages && maxTokens is null)
        {
            problem = "max_tokens: Field required";
        }
        return problem is null ? new MessagesRequest(model!, stream, maxTokens, modelStart, modelLength) : null;
    }

    /// <summary>The body's model and where it sits in the bytes, for a provider adapter that rewrites it.</summary>
    public Providers.ModelField ModelField => new(Model, ModelStart, ModelLength);
}
