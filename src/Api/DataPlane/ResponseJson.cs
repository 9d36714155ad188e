using System.Text.Json;

namespace Gateway.Api.DataPlane;

/// <summary>Steps through a Messages API response's JSON (a body, or one SSE event's <c>data</c>) as the usage meter reads it.</summary>
internal static class ResponseJson
{
    /// <summary>Moves the reader to the value of the event's top-level property <paramref name="name"/>; false when it has none.</summary>
    public static bool SeekTopLevel(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name))
            {
                reader.Read();
                return true;
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }
        return false;
    }

    /// <summary>
    /// True when the reader is at the start of an object, whose <paramref name="depth"/> <see cref="NextProperty"/>
    /// takes; any other value is skipped.
    /// </summary>
    public static bool EnterObject(ref Utf8JsonReader reader, out int depth)
    {
        depth = reader.CurrentDepth;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }
        reader.Skip();
        return false;
    }

    /// <summary>
    /// Moves the reader to the next property name of the object that started at <paramref name="depth"/>; false at
    /// its end. The caller reads or skips each property's value.
    /// </summary>
    public static bool NextProperty(ref Utf8JsonReader reader, int depth)
    {
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                return true;
            }
        }
        return false;
    }
}
