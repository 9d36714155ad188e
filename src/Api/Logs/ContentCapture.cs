using System.Buffers;
using Gateway.Grains.Logging;

namespace Gateway.Api.Logs;

/// <summary>
/// The bodies of one request as they pass through the proxy, for the request log: the request's bytes, and the
/// answer's (a JSON body, or the <c>data</c> of each SSE event, one per line). Only copies; parsing, assembling
/// and redacting happen later on <see cref="ContentLog"/>'s writer, off the request's path.
/// </summary>
public sealed class ContentCapture
{
    private readonly int _maxBytes;
    private readonly ArrayBufferWriter<byte>? _transcript;
    private byte[]? _response;

    public ContentCapture(LogPolicy policy, ReadOnlySpan<byte> request, bool stream, int maxBytes)
    {
        Policy = policy;
        _maxBytes = maxBytes;
        if (request.Length <= maxBytes)
        {
            Request = request.ToArray();
        }
        else
        {
            Omitted = $"request larger than {maxBytes} bytes";
        }
        if (stream)
        {
            _transcript = new ArrayBufferWriter<byte>(4096);
        }
    }

    public LogPolicy Policy { get; }

    /// <summary>Bytes held (request and answer), for the writer's queue limit.</summary>
    public long Bytes => (Request?.Length ?? 0) + (_response?.Length ?? 0) + (_transcript?.WrittenCount ?? 0);

    public byte[]? Request { get; }

    public bool Stream => _transcript is not null;

    public string? Omitted { get; private set; }

    /// <summary>A non-streamed answer's body (or an error body).</summary>
    public void SetResponse(byte[] body)
    {
        if (body.Length <= _maxBytes)
        {
            _response = body;
        }
        else
        {
            Omit($"response larger than {_maxBytes} bytes");
        }
    }

    /// <summary>One SSE event's data (called by the relay for each event).</summary>
    public void AddEvent(ReadOnlySpan<byte> data)
    {
        if (_transcript is null || data.IsEmpty)
        {
            return;
        }
        if (_transcript.WrittenCount + data.Length + 1 > _maxBytes)
        {
            Omit($"response larger than {_maxBytes} bytes");
            return;
        }
        _transcript.Write(data);
        _transcript.Write("\n"u8);
    }

    /// <summary>The answer as captured: a JSON body, or SSE data lines when streamed; null when there is none.</summary>
    public ReadOnlyMemory<byte>? Response =>
        _response is not null ? _response : _transcript is { WrittenCount: > 0 } && !IsOmitted("response") ? _transcript.WrittenMemory : null;

    private bool IsOmitted(string what) => Omitted?.Contains(what, StringComparison.Ordinal) == true;

    private void Omit(string reason)
    {
        if (!IsOmitted("response"))
        {
            Omitted = Omitted is null ? reason : $"{Omitted}; {reason}";
        }
    }
}
