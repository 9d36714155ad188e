using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// A request body read whole into a pooled buffer, refusing bodies over the limit without reading them when
/// the client declared the length. Dispose returns the buffer.
/// </summary>
public sealed class RequestBody : IDisposable
{
    // Typical bodies come from and return to the pool; arrays over its largest size (large prompts, rare) are
    // allocated and left to the GC rather than kept around.
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024, maxArraysPerBucket: 64);

    private byte[]? _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Reads the body; null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<RequestBody?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            return null;
        }
        var capacity = (int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1;
        var buffer = Pool.Rent(Math.Max(capacity, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        Pool.Return(buffer);
                        return null;
                    }
                    var larger = Pool.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    Pool.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    Pool.Return(buffer);
                    return null;
                }
            }
            return new RequestBody(buffer, length);
        }
        catch
        {
            Pool.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Pool.Return(buffer);
        }
    }
}
