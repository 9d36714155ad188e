using System.Buffers;

namespace Gateway.Api.Providers;

/// <summary>Reads a provider's (non-streaming) answer whole, refusing one larger than a limit.</summary>
public static class UpstreamBodies
{
    public static async Task<byte[]> ReadAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > limit)
        {
            throw new InvalidDataException($"The provider's answer is larger than {limit} bytes.");
        }
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (declared is { } length)
        {
            var exact = new byte[length];
            await stream.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new InvalidDataException($"The provider's answer is larger than {limit} bytes.");
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}
