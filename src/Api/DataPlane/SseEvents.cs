using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The events of a provider's SSE stream as the relay takes them: cut off the buffer one complete event at a time,
/// checked to be an Anthropic event, and read on the way for the usage and errors they carry.
/// </summary>
internal static class SseEvents
{
    /// <summary>Cuts the first complete event (up to and including its blank line) off the buffer.</summary>
    public static bool TryTake(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> evt)
    {
        long offset = 0;
        var lineHasContent = false;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length; i++)
            {
                var b = span[i];
                if (b == (byte)'\n')
                {
                    if (!lineHasContent)
                    {
                        var end = buffer.GetPosition(offset + i + 1);
                        evt = buffer.Slice(0, end);
                        buffer = buffer.Slice(end);
                        return true;
                    }
                    lineHasContent = false;
                }
                else if (b != (byte)'\r')
                {
                    lineHasContent = true;
                    // Skip ahead to the end of this line.
                    var next = span[i..].IndexOf((byte)'\n');
                    if (next < 0)
                    {
                        break;
                    }
                    i += next - 1;
                }
            }
            offset += span.Length;
        }
        evt = default;
        return false;
    }

    /// <summary>
    /// Checks one complete event and hands its data to <paramref name="meter"/> (and the meter's capture): the events
    /// that carry usage, output or a server tool call are read, the others only copied.
    /// </summary>
    public static SseEventKind Inspect(in ReadOnlySequence<byte> evt, UsageMeter meter)
    {
        if (evt.IsSingleSegment)
        {
            return Inspect(evt.FirstSpan, meter);
        }
        var copy = ArrayPool<byte>.Shared.Rent((int)evt.Length);
        try
        {
            evt.CopyTo(copy);
            return Inspect(copy.AsSpan(0, (int)evt.Length), meter);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <inheritdoc cref="Inspect(in ReadOnlySequence{byte}, UsageMeter)"/>
    public static SseEventKind Inspect(ReadOnlySpan<byte> evt, UsageMeter meter)
    {
        if (!Utf8.IsValid(evt))
        {
            return SseEventKind.Malformed;
        }
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> data = default;
        var rest = evt;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (line.StartsWith("event:"u8))
            {
                name = Field(line["event:".Length..]);
            }
            else if (line.StartsWith("data:"u8))
            {
                // Anthropic sends one data line per event; a second one is not its format.
                if (!data.IsEmpty)
                {
                    return SseEventKind.Malformed;
                }
                data = Field(line["data:".Length..]);
            }
            else if (!line.IsEmpty && line[0] != (byte)':' && !line.StartsWith("id:"u8) && !line.StartsWith("retry:"u8))
            {
                return SseEventKind.Malformed;
            }
        }
        if (!data.IsEmpty && !IsOneJsonValue(data) || name.IndexOfAnyInRange((byte)0, (byte)0x1f) >= 0)
        {
            return SseEventKind.Malformed;
        }

        meter.Capture?.AddEvent(data);
        var wasCompleted = meter.Completed;
        if (name.IsEmpty || name.SequenceEqual("message_start"u8) || name.SequenceEqual("message_delta"u8)
            || name.SequenceEqual("message_stop"u8) || name.SequenceEqual("error"u8))
        {
            meter.ReadEvent(data);
        }
        else if (name.SequenceEqual("content_block_delta"u8))
        {
            meter.CountOutput(data);
        }
        else if (name.SequenceEqual("content_block_start"u8))
        {
            meter.ReadBlockStart(data);
        }
        return name.SequenceEqual("message_stop"u8) || (!wasCompleted && meter.Completed) ? SseEventKind.MessageStop : SseEventKind.Other;
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> value) => !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;
}
