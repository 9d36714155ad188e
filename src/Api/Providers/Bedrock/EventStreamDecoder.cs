using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// Reads <c>application/vnd.amazon.eventstream</c> frames (Bedrock's streaming answers) from a stream, one at a
/// time, into one pooled buffer that is reused from frame to frame. Each frame: a 12-byte prelude (total length,
/// headers length, both big-endian uint32, then the CRC32 of those 8 bytes), the headers, the payload, and the
/// CRC32 of everything before it. Both checksums are verified before anything in the frame is used.
/// </summary>
/// <remarks>Does not own the stream; disposing the decoder returns its buffer (and ends any payload's validity).</remarks>
public sealed class EventStreamDecoder : IDisposable
{
    /// <summary>The largest frame accepted; a larger length means a corrupt or hostile stream, not a real answer.</summary>
    public const int MaxMessageLength = 16 * 1024 * 1024;

    private const int PreludeLength = 12;
    private const int ChecksumLength = 4;
    private const int MinMessageLength = PreludeLength + ChecksumLength;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _endOfStream;

    /// <summary>A decoder over <paramref name="stream"/>; the buffer grows past <paramref name="initialBufferSize"/> only for larger frames.</summary>
    public EventStreamDecoder(Stream stream, int initialBufferSize = 16 * 1024)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBufferSize, MinMessageLength);
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(initialBufferSize);
    }

    /// <summary>
    /// The next frame, or null when the stream ends cleanly at a frame boundary. Throws
    /// <see cref="EventStreamException"/> when the stream ends inside a frame or a frame is corrupt. The previous
    /// frame's payload is no longer valid once this is called.
    /// </summary>
    public async ValueTask<EventStreamMessage?> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (_start == _end)
        {
            _start = _end = 0;
        }
        if (!await FillAsync(PreludeLength, cancellationToken))
        {
            if (_start == _end)
            {
                return null;
            }
            throw Truncated(PreludeLength);
        }

        var (totalLength, headersLength) = ReadPrelude(_buffer.AsSpan(_start, PreludeLength));
        if (!await FillAsync(totalLength, cancellationToken))
        {
            throw Truncated(totalLength);
        }

        var message = Decode(_buffer.AsSpan(_start, totalLength), headersLength,
            _buffer.AsMemory(_start + PreludeLength + headersLength, totalLength - MinMessageLength - headersLength));
        _start += totalLength;
        return message;
    }

    /// <summary>Returns the pooled buffer; payloads read so far become invalid.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Checks the prelude's checksum before trusting either length, then the lengths' bounds.</summary>
    private static (int TotalLength, int HeadersLength) ReadPrelude(ReadOnlySpan<byte> prelude)
    {
        var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headers = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        var expected = BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]);
        var actual = Crc32.HashToUInt32(prelude[..8]);
        if (actual != expected)
        {
            throw new EventStreamException($"Event stream prelude checksum mismatch (expected 0x{expected:x8}, computed 0x{actual:x8}).");
        }
        if (total is < MinMessageLength or > MaxMessageLength)
        {
            throw new EventStreamException($"Event stream frame length {total} is outside {MinMessageLength}..{MaxMessageLength}.");
        }
        if (headers > total - MinMessageLength)
        {
            throw new EventStreamException($"Event stream headers length {headers} does not fit a frame of {total} bytes.");
        }
        return ((int)total, (int)headers);
    }

    private static EventStreamMessage Decode(ReadOnlySpan<byte> frame, int headersLength, ReadOnlyMemory<byte> payload)
    {
        var body = frame[..^ChecksumLength];
        var expected = BinaryPrimitives.ReadUInt32BigEndian(frame[^ChecksumLength..]);
        var actual = Crc32.HashToUInt32(body);
        if (actual != expected)
        {
            throw new EventStreamException($"Event stream message checksum mismatch (expected 0x{expected:x8}, computed 0x{actual:x8}).");
        }
        return new EventStreamMessage(ReadHeaders(frame.Slice(PreludeLength, headersLength)), payload);
    }

    private static List<KeyValuePair<string, string>> ReadHeaders(ReadOnlySpan<byte> headers)
    {
        var result = new List<KeyValuePair<string, string>>(4);
        while (!headers.IsEmpty)
        {
            int nameLength = headers[0];
            Need(headers, 1 + nameLength + 1);
            var name = headers.Slice(1, nameLength);
            var type = headers[1 + nameLength];
            headers = headers[(2 + nameLength)..];
            int valueLength;
            switch (type)
            {
                case 0 or 1: // bool true / false: the type is the value
                    valueLength = 0;
                    break;
                case 2: // byte
                    valueLength = 1;
                    break;
                case 3: // int16
                    valueLength = 2;
                    break;
                case 4: // int32
                    valueLength = 4;
                    break;
                case 5 or 8: // int64, timestamp (ms since the epoch)
                    valueLength = 8;
                    break;
                case 9: // uuid
                    valueLength = 16;
                    break;
                case 6 or 7: // bytes, string: uint16 length, then the value
                    Need(headers, 2);
                    var length = BinaryPrimitives.ReadUInt16BigEndian(headers);
                    headers = headers[2..];
                    Need(headers, length);
                    if (type == 7)
                    {
                        result.Add(new(Text(name), Text(headers[..length])));
                    }
                    valueLength = length;
                    break;
                default:
                    throw new EventStreamException($"Event stream header '{Encoding.UTF8.GetString(name)}' has unknown type {type}.");
            }
            Need(headers, valueLength);
            headers = headers[valueLength..];
        }
        return result;
    }

    private static void Need(ReadOnlySpan<byte> remaining, int length)
    {
        if (remaining.Length < length)
        {
            throw new EventStreamException("Event stream header runs past the headers section.");
        }
    }

    /// <summary>The names and values every Bedrock frame repeats come back as the same strings, not new ones.</summary>
    private static string Text(ReadOnlySpan<byte> utf8) => utf8 switch
    {
        _ when utf8.SequenceEqual(":message-type"u8) => EventStreamMessage.MessageTypeHeader,
        _ when utf8.SequenceEqual(":event-type"u8) => EventStreamMessage.EventTypeHeader,
        _ when utf8.SequenceEqual(":content-type"u8) => EventStreamMessage.ContentTypeHeader,
        _ when utf8.SequenceEqual(":exception-type"u8) => EventStreamMessage.ExceptionTypeHeader,
        _ when utf8.SequenceEqual("event"u8) => "event",
        _ when utf8.SequenceEqual("chunk"u8) => "chunk",
        _ when utf8.SequenceEqual("application/json"u8) => "application/json",
        _ => Encoding.UTF8.GetString(utf8),
    };

    private static EventStreamException Truncated(int needed) =>
        new($"Event stream ended inside a frame (needed {needed} bytes).");

    /// <summary>Reads until <paramref name="needed"/> bytes are buffered from <see cref="_start"/>; false at end of stream.</summary>
    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        while (_end - _start < needed)
        {
            if (_endOfStream)
            {
                return false;
            }
            if (_start + needed > _buffer.Length)
            {
                MakeRoom(needed);
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _endOfStream = true;
                return false;
            }
            _end += read;
        }
        return true;
    }

    /// <summary>Moves the buffered bytes to the front, into a larger pooled buffer when the frame needs one.</summary>
    private void MakeRoom(int needed)
    {
        var buffered = _end - _start;
        if (needed <= _buffer.Length)
        {
            _buffer.AsSpan(_start, buffered).CopyTo(_buffer);
        }
        else
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(_buffer.Length * 2, MaxMessageLength)));
            _buffer.AsSpan(_start, buffered).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        _start = 0;
        _end = buffered;
    }
}
