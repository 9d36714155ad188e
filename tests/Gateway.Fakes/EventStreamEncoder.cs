using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace Gateway.Fakes;

/// <summary>
/// Encodes <c>application/vnd.amazon.eventstream</c> frames the way Bedrock sends them, checksums included, so a
/// fake can answer like Bedrock. Independent of the gateway's decoder on purpose: the two check each other.
/// </summary>
public static class EventStreamEncoder
{
    private const int PreludeLength = 12;
    private const int ChecksumLength = 4;
    private const byte StringType = 7;

    /// <summary>One frame: string headers in the order given, then the payload.</summary>
    public static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var headersLength = 0;
        foreach (var (name, value) in headers)
        {
            var nameLength = Encoding.UTF8.GetByteCount(name);
            var valueLength = Encoding.UTF8.GetByteCount(value);
            if (nameLength is 0 or > byte.MaxValue || valueLength > ushort.MaxValue)
            {
                throw new ArgumentException($"Header '{name}' does not fit the event stream encoding.", nameof(headers));
            }
            headersLength += 1 + nameLength + 1 + 2 + valueLength;
        }
        var total = PreludeLength + headersLength + payload.Length + ChecksumLength;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headersLength);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32.HashToUInt32(frame.AsSpan(0, 8)));

        var at = PreludeLength;
        foreach (var (name, value) in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(name, frame.AsSpan(at + 1));
            frame[at] = (byte)nameLength;
            at += 1 + nameLength;
            frame[at++] = StringType;
            var valueLength = Encoding.UTF8.GetBytes(value, frame.AsSpan(at + 2));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), (ushort)valueLength);
            at += 2 + valueLength;
        }
        payload.CopyTo(frame.AsSpan(at));
        at += payload.Length;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(at), Crc32.HashToUInt32(frame.AsSpan(0, at)));
        return frame;
    }

    /// <summary>
    /// A <c>chunk</c> event of InvokeModelWithResponseStream: one Anthropic streaming event (its JSON), base64 in
    /// <c>{"bytes":"…"}</c>.
    /// </summary>
    public static byte[] Chunk(ReadOnlySpan<byte> anthropicEventJson) => Encode(
        [
            new(":event-type", "chunk"),
            new(":content-type", "application/json"),
            new(":message-type", "event"),
        ],
        Encoding.UTF8.GetBytes($"{{\"bytes\":\"{Convert.ToBase64String(anthropicEventJson)}\"}}"));

    /// <summary>An <c>exception</c> frame, e.g. <c>throttlingException</c>, with <c>{"message":…}</c>.</summary>
    public static byte[] Exception(string exceptionType, string message) => Encode(
        [
            new(":exception-type", exceptionType),
            new(":content-type", "application/json"),
            new(":message-type", "exception"),
        ],
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["message"] = message }));

    /// <summary>An <c>error</c> frame: code and message in headers, no payload.</summary>
    public static byte[] Error(string errorCode, string errorMessage) => Encode(
        [
            new(":error-code", errorCode),
            new(":error-message", errorMessage),
            new(":message-type", "error"),
        ],
        []);
}
