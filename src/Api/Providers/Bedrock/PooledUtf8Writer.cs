using System.Buffers;
using System.Text;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// Appends UTF-8 bytes to a buffer rented from the shared pool, so the canonical request and the string to sign
/// are hashed without building intermediate strings. A mutable struct: pass it by ref, and call
/// <see cref="Dispose()"/> to hand the buffer back.
/// </summary>
internal struct PooledUtf8Writer
{
    private byte[] _buffer;
    private int _length;

    public PooledUtf8Writer(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public readonly int Length => _length;

    public void Clear() => _length = 0;

    public void Append(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length);
        utf8.CopyTo(_buffer.AsSpan(_length));
        _length += utf8.Length;
    }

    public void Append(ReadOnlySpan<char> chars)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _length += Encoding.UTF8.GetBytes(chars, _buffer.AsSpan(_length));
    }

    /// <summary>Appends a header name lower-cased; names are ASCII tokens, so lowering the bytes is enough.</summary>
    public void AppendLowerAscii(ReadOnlySpan<char> chars)
    {
        var start = _length;
        Append(chars);
        Ascii.ToLowerInPlace(_buffer.AsSpan(start, _length - start), out _);
    }

    /// <summary>
    /// Appends a header value trimmed, with every run of whitespace collapsed to one space. Whitespace bytes
    /// never occur inside a multi-byte UTF-8 sequence, so this works on the encoded bytes in place.
    /// </summary>
    public void AppendCollapsed(ReadOnlySpan<char> chars)
    {
        var start = _length;
        Append(chars);
        var span = _buffer.AsSpan(start, _length - start);
        var written = 0;
        var pendingSpace = false;
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                pendingSpace = written > 0;
                continue;
            }
            if (pendingSpace)
            {
                span[written++] = (byte)' ';
                pendingSpace = false;
            }
            span[written++] = b;
        }
        _length = start + written;
    }

    /// <summary>
    /// Appends text percent-encoded per RFC 3986 over its UTF-8 bytes: unreserved characters kept, every other
    /// byte as upper-case <c>%XX</c> (so an existing <c>%</c> becomes <c>%25</c>); '/' kept when asked.
    /// </summary>
    public void AppendUriEncoded(ReadOnlySpan<char> chars, bool keepSlash)
    {
        var max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        byte[]? rented = null;
        var utf8 = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var count = Encoding.UTF8.GetBytes(chars, utf8);
            Ensure(count * 3);
            foreach (var b in utf8[..count])
            {
                if (IsUnreserved(b) || (keepSlash && b == (byte)'/'))
                {
                    _buffer[_length++] = b;
                }
                else
                {
                    _buffer[_length++] = (byte)'%';
                    _buffer[_length++] = (byte)"0123456789ABCDEF"[b >> 4];
                    _buffer[_length++] = (byte)"0123456789ABCDEF"[b & 0xF];
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void AppendHexLower(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length * 2);
        foreach (var b in bytes)
        {
            _buffer[_length++] = (byte)"0123456789abcdef"[b >> 4];
            _buffer[_length++] = (byte)"0123456789abcdef"[b & 0xF];
        }
    }

    public void Dispose() => Dispose(clear: false);

    /// <summary>Returns the buffer; <paramref name="clear"/> wipes it first, for buffers that held a secret.</summary>
    public void Dispose(bool clear)
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer, clear);
        }
    }

    private static bool IsUnreserved(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';

    private void Ensure(int additional)
    {
        if (_length + additional <= _buffer.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + additional));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
