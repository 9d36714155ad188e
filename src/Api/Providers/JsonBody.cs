using System.Buffers;
using System.Text.Json;

namespace Gateway.Api.Providers;

/// <summary>
/// Rewrites a request body's top level for a provider that wants it shaped differently (Bedrock, Vertex):
/// some fields dropped, some added in front; every other byte of the client's body is copied as it was, so
/// unknown fields, <c>cache_control</c> and number formats reach the provider untouched.
/// </summary>
public static class JsonBody
{
    /// <param name="drop">Top-level fields to leave out.</param>
    /// <param name="add">Fields to add (name, raw JSON value), unless the body keeps a field of that name.</param>
    public static byte[] Rewrite(ReadOnlySpan<byte> body, ReadOnlySpan<string> drop, IReadOnlyList<(string Name, byte[] RawValue)> add)
    {
        var kept = new List<Range>(16);
        var present = new bool[add.Count];
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The body is not a JSON object.");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            // Names are compared, never decoded: one a client escaped oddly (an unpaired surrogate) is kept as sent.
            var dropped = false;
            foreach (var name in drop)
            {
                dropped |= NameIs(ref reader, name);
            }
            for (var i = 0; i < present.Length; i++)
            {
                present[i] |= NameIs(ref reader, add[i].Name);
            }
            reader.Read();
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            if (!dropped)
            {
                kept.Add(start..end);
            }
        }

        var output = new ArrayBufferWriter<byte>(body.Length + 128);
        output.Write("{"u8);
        var first = true;
        for (var i = 0; i < add.Count; i++)
        {
            var (name, raw) = add[i];
            if (present[i] && !drop.Contains(name))
            {
                continue;
            }
            Separate(output, ref first);
            output.Write(Quote(name));
            output.Write(":"u8);
            output.Write(raw);
        }
        foreach (var range in kept)
        {
            Separate(output, ref first);
            output.Write(body[range]);
        }
        output.Write("}"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A JSON string's raw bytes, quotes included.</summary>
    public static byte[] Quote(string value) => JsonSerializer.SerializeToUtf8Bytes(value);

    /// <summary>A JSON array of strings.</summary>
    public static byte[] StringArray(IEnumerable<string> values) => JsonSerializer.SerializeToUtf8Bytes(values.ToArray());

    private static bool NameIs(ref Utf8JsonReader reader, string name)
    {
        try
        {
            return reader.ValueTextEquals(name);
        }
        catch (InvalidOperationException)
        {
            // An escape that decodes to no text (an unpaired surrogate) spells none of the names a provider sets.
            return false;
        }
    }

    private static void Separate(ArrayBufferWriter<byte> output, ref bool first)
    {
        if (!first)
        {
            output.Write(","u8);
        }
        first = false;
    }
}
