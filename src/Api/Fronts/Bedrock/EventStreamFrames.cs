using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Hashing;
using System.Text;

namespace Gateway.Api.Fronts.Bedrock;

/// <summary>
/// Builds <c>application/vnd.amazon.eventstream</c> frames as Bedrock's InvokeModelWithResponseStream sends them: a
/// prelude (total length, headers length, CRC32 of those eight bytes), string headers, the payload, and the CRC32 of
/// everything before it. A <c>chunk</c> carries one Anthropic event as <c>{"bytes":"base64"}</c>; an <c>exception</c>
/// frame carries <c>{"message"}</c> under its <c>:exception-type</c>.
/// </summary>
public static class EventStreamFrames
{
    private const int PreludeLength = 12;
    private const int ChecksumLength = 4;
    private const byte StringHeader = 7;

    // Every chunk frame has the same headers: encoded once.
    private static readonly byte[] ChunkHeaders = EncodeHeaders([(":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event")]);

    /// <summary>A <c>chunk</c> frame carrying <paramref name="eventJson"/> (one Anthropic streaming event).</summary>
    public static byte[] Chunk(ReadOnlySpan<byte> eventJson)
    {
        ReadOnlySpan<byte> open = "{\"bytes\":\""u8;
        ReadOnlySpan<byte> close = "\"}"u8;
        var encodedLength = Base64.GetMaxEncodedToUtf8Length(eventJson.Length);
        var frame = Allocate(ChunkHeaders, open.Length + encodedLength + close.Length, out var payload);
        open.CopyTo(payload);
        Base64.EncodeToUtf8(eventJson, payload[open.Length..], out _, out _);
        close.CopyTo(payload[(open.Length + encodedLength)..]);
        return Seal(frame);
    }

    /// <summary>An <c>exception</c> frame, e.g. <c>throttlingException</c>, whose payload is <c>{"message": …}</c> JSON.</summary>
    public static byte[] Exception(string exceptionType, ReadOnlySpan<byte> messageJson)
    {
        var headers = EncodeHeaders([(":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception")]);
        var frame = Allocate(headers, messageJson.Length, out var payload);
        messageJson.CopyTo(payload);
        return Seal(frame);
    }

    /// <summary>A frame of the right size with its prelude and headers written; <paramref name="payload"/> is where its payload goes.</summary>
    private static byte[] Allocate(ReadOnlySpan<byte> headers, int payloadLength, out Span<byte> payload)
    {
        var frame = new byte[PreludeLength + headers.Length + payloadLength + ChecksumLength];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        headers.CopyTo(frame.AsSpan(PreludeLength));
        payload = frame.AsSpan(PreludeLength + headers.Length, payloadLength);
        return frame;
    }

    /// <summary>Writes the message checksum over everything before it.</summary>
    private static byte[] Seal(byte[] frame)
    {
        var body = frame.AsSpan(0, frame.Length - ChecksumLength);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(body.Length), Crc32.HashToUInt32(body));
        return frame;
    }

    /// <summary>String headers: name length (one byte), name, type 7, value length (two bytes), value.</summary>
    private static byte[] EncodeHeaders(ReadOnlySpan<(string Name, string Value)> headers)
    {
        using var output = new MemoryStream(128);
        Span<byte> length = stackalloc byte[2];
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            output.WriteByte((byte)nameBytes.Length);
            output.Write(nameBytes);
            output.WriteByte(StringHeader);
            BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)valueBytes.Length));
            output.Write(length);
            output.Write(valueBytes);
        }
        return output.ToArray();
    }
}
